"""Who may see and manage a group: its admins and co-admins, the coordinators of its
municipality, and (without the people in it) the police of its zone. The pattern is described in
``apps/municipalities/permissions.py``."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from apps.core.actors import is_operator, is_person, is_system, require_actor
from apps.municipalities.models import PoliceOfficer
from apps.municipalities.permissions import (
    coordinated_municipality_ids,
    municipalities_for,
    police_municipality_ids,
)

from .models import Group, GroupRequest


def managed_groups(user) -> QuerySet:
    """Groups whose people the user may see and manage."""
    if is_operator(user):
        return Group.objects.all()
    if not is_person(user):
        return Group.objects.none()
    return Group.objects.filter(
        Q(admin_roles__user=user) | Q(municipality_id__in=coordinated_municipality_ids(user))
    ).distinct()


def administered_groups(user) -> QuerySet:
    """Groups the user is an admin or co-admin of (not the ones they coordinate)."""
    if is_operator(user):
        return Group.objects.all()
    if not is_person(user):
        return Group.objects.none()
    return Group.objects.filter(admin_roles__user=user).distinct()


def visible_groups(user) -> QuerySet:
    """Groups the user may see (without personal data of members for the police)."""
    if is_operator(user):
        return Group.objects.all()
    if not is_person(user):
        return Group.objects.none()
    return Group.objects.filter(
        Q(admin_roles__user=user)
        | Q(municipality_id__in=coordinated_municipality_ids(user))
        | Q(municipality_id__in=police_municipality_ids(user))
    ).distinct()


def accounts_of(municipality) -> QuerySet:
    """The accounts of ``municipality``: the only ones a coordinator appoints as a group's admin
    at once (``services.appoint_admin``); everyone else is invited and becomes admin only after
    accepting (``invitations``).

    An account of the municipality is an active account that already holds a role there: one
    of its coordinators, or an admin or co-admin of one of its groups. The municipality vouched
    for these people when it gave them that role, and they already see its members' data or
    manage it. Never an account with a police role, whatever else it holds (the police see no
    members' data; an officer decides for themselves), nor people of other municipalities, nor
    accounts without any role, nor operators by their superuser flag alone. An account made by
    one of the municipality's invitations counts once it accepted it: before that it holds no
    role here."""
    police = PoliceOfficer.objects.values("user_id")
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(coordinator_roles__municipality=municipality) | Q(group_admin_roles__group__municipality=municipality)
        )
        .exclude(pk__in=police)
        .distinct()
    )


def is_account_of(user, municipality) -> bool:
    return is_person(user) and accounts_of(municipality).filter(pk=user.pk).exists()


def group_requests_for(user) -> QuerySet:
    return GroupRequest.objects.filter(municipality__in=municipalities_for(user))


def can_manage_group(user, group) -> bool:
    return managed_groups(user).filter(pk=group.pk).exists()


def require_group(actor, group) -> None:
    require_actor(actor)
    if is_system(actor):
        return
    if not can_manage_group(actor, group):
        raise PermissionDenied


def require_group_admin(actor, group) -> None:
    """Only the group's own admins (and operators): what a member asks their admin to record."""
    require_actor(actor)
    if is_system(actor):
        return
    if not administered_groups(actor).filter(pk=group.pk).exists():
        raise PermissionDenied


def roles(user) -> dict[str, bool]:
    """What the navigation shows."""
    if not is_person(user):
        return {"admin": False, "coordinator": False, "police": False, "superuser": False}
    return {
        "admin": user.group_admin_roles.exists(),
        "coordinator": user.coordinator_roles.exists(),
        "police": user.police_roles.exists(),
        "superuser": user.is_superuser,
    }


def may_act_on_message(actor, message) -> bool:
    """Whoever manages a group may retry its messages (``apps.messaging.hooks``)."""
    return bool(message.group_id) and managed_groups(actor).filter(pk=message.group_id).exists()
