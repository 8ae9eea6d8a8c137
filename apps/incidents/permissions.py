"""Who sees which incidents, built on apps.accounts.permissions.

- group admin: incidents of their own groups and the ones they reported;
- coordinator: every incident of their municipality;
- police: every incident of the municipalities of their zone; only police close incidents;
- superuser: everything.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from apps.accounts.permissions import (
    coordinated_municipality_ids,
    managed_groups,
    police_municipality_ids,
    visible_groups,
)


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def incidents_for(user) -> QuerySet:
    from .models import Incident

    if not _active(user):
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
    from apps.municipalities.models import Municipality

    if not _active(user):
        return set()
    if user.is_superuser:
        return set(Municipality.objects.values_list("id", flat=True))
    return (
        set(visible_groups(user).values_list("municipality_id", flat=True))
        | set(coordinated_municipality_ids(user))
        | set(police_municipality_ids(user))
    )


def can_close(user, incident) -> bool:
    if not _active(user):
        return False
    return user.is_superuser or incident.municipality_id in police_municipality_ids(user)


def require_police(user, incident) -> None:
    if user is None:
        return
    if not can_close(user, incident):
        raise PermissionDenied
