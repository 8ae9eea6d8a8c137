"""Who sees which incidents (the pattern of ``apps/municipalities/permissions.py``).

- group admin: incidents of their own groups and the ones they reported;
- coordinator: every incident of their municipality;
- police: every incident of the municipalities of their zone; only police close incidents;
- operator: everything.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from apps.core.actors import is_operator, is_person, is_system, require_actor
from apps.groups.permissions import managed_groups, visible_groups
from apps.municipalities.models import Municipality
from apps.municipalities.permissions import coordinated_municipality_ids, police_municipality_ids

from .models import Incident


def incidents_for(user) -> QuerySet:
    if not is_person(user):
        return Incident.objects.none()
    if user.is_superuser:
        return Incident.objects.all()
    return Incident.objects.filter(
        Q(group__in=managed_groups(user).filter(admin_roles__user=user))
        | Q(reported_by=user)
        | Q(municipality_id__in=coordinated_municipality_ids(user))
        | Q(municipality_id__in=police_municipality_ids(user))
    ).distinct()


def reporting_groups(user) -> QuerySet:
    """Groups an incident may be reported in by the user."""
    return visible_groups(user)


def reporting_municipality_ids(user) -> set[int]:
    if not is_person(user):
        return set()
    if user.is_superuser:
        return set(Municipality.objects.values_list("id", flat=True))
    return (
        set(visible_groups(user).values_list("municipality_id", flat=True))
        | set(coordinated_municipality_ids(user))
        | set(police_municipality_ids(user))
    )


def word_list_municipalities(user) -> QuerySet:
    """Municipalities whose own words to point out in reports the user keeps: their coordinators."""
    if not is_person(user):
        return Municipality.objects.none()
    if user.is_superuser:
        return Municipality.objects.all()
    return Municipality.objects.filter(id__in=coordinated_municipality_ids(user))


def require_word_list(actor, municipality) -> None:
    require_actor(actor)
    if is_system(actor):
        return
    if not word_list_municipalities(actor).filter(pk=municipality.pk).exists():
        raise PermissionDenied


def can_close(user, incident) -> bool:
    if not is_person(user):
        return False
    return is_operator(user) or incident.municipality_id in police_municipality_ids(user)


def require_police(actor, incident) -> None:
    require_actor(actor)
    if is_system(actor):
        return
    if not can_close(actor, incident):
        raise PermissionDenied
