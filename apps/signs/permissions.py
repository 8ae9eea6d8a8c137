"""Who may see and change street signs (the pattern of ``apps/municipalities/permissions.py``).

- the admins and co-admins of a group: see its signs and ask for new ones;
- the coordinators of a municipality: see its signs, ask for new ones for any of its groups,
  and decide, record placement, damage and removal;
- the police of the zone: see the signs of its municipalities, change nothing;
- operators: everything.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from apps.core.actors import is_operator, is_person, is_system, require_actor
from apps.groups.models import Group
from apps.groups.permissions import managed_groups
from apps.municipalities.permissions import (
    coordinated_municipality_ids,
    municipalities_for,
    police_municipality_ids,
)

from .models import StreetSign


def signs_for(user) -> QuerySet:
    """The signs the user may see."""
    if is_operator(user):
        return StreetSign.objects.all()
    if not is_person(user):
        return StreetSign.objects.none()
    return StreetSign.objects.filter(
        Q(group__admin_roles__user=user)
        | Q(municipality_id__in=coordinated_municipality_ids(user))
        | Q(municipality_id__in=police_municipality_ids(user))
    ).distinct()


def decidable_signs(user) -> QuerySet:
    """The signs the user decides on and keeps up to date: their municipality's."""
    if is_operator(user):
        return StreetSign.objects.all()
    return StreetSign.objects.filter(municipality__in=municipalities_for(user))


def requesting_groups(user) -> QuerySet:
    """The groups the user may ask a sign for: those they run or coordinate, not closed ones."""
    return managed_groups(user).exclude(status=Group.Status.CLOSED)


def may_decide(user, sign: StreetSign) -> bool:
    return decidable_signs(user).filter(pk=sign.pk).exists()


def require_request(actor, group: Group) -> None:
    require_actor(actor)
    if is_system(actor):
        return
    if not managed_groups(actor).filter(pk=group.pk).exists():
        raise PermissionDenied


def require_decide(actor, sign: StreetSign) -> None:
    require_actor(actor)
    if is_system(actor):
        return
    if not may_decide(actor, sign):
        raise PermissionDenied
