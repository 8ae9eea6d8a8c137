"""Who may see and do what: the one place where roles are enforced.

Every staff view and private API endpoint takes its objects from the querysets below, so an
object outside the user's reach is simply not found (404), never shown and never changed.

- group admin (and co-admin): their own groups, and the people in them;
- municipal coordinator: every group, area and person of their municipality;
- police officer: the groups and areas of the municipalities of their zone and the contact of
  each group's admins, but not the applicants' or members' personal data;
- superuser: everything (operators of the deployment).

The services check again before they write. They take ``actor=None`` to mean the system
itself (management commands, data loads, the worker); web views and the API always pass the
request's user, which is never ``None``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet


def _is_super(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_superuser)


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def coordinated_municipality_ids(user) -> list[int]:
    if not _active(user):
        return []
    return list(user.coordinator_roles.values_list("municipality_id", flat=True))


def police_municipality_ids(user) -> list[int]:
    if not _active(user):
        return []
    from apps.municipalities.models import PoliceZone

    return list(PoliceZone.objects.filter(officers__user=user).values_list("municipalities__id", flat=True).distinct())


def municipalities_for(user) -> QuerySet:
    """Municipalities the user coordinates."""
    from apps.municipalities.models import Municipality

    if _is_super(user):
        return Municipality.objects.all()
    return Municipality.objects.filter(id__in=coordinated_municipality_ids(user))


def managed_groups(user) -> QuerySet:
    """Groups whose people the user may see and manage."""
    from apps.groups.models import Group

    if _is_super(user):
        return Group.objects.all()
    if not _active(user):
        return Group.objects.none()
    return Group.objects.filter(
        Q(admin_roles__user=user) | Q(municipality_id__in=coordinated_municipality_ids(user))
    ).distinct()


def administered_groups(user) -> QuerySet:
    """Groups the user is an admin or co-admin of (not the ones they coordinate)."""
    from apps.groups.models import Group

    if _is_super(user):
        return Group.objects.all()
    if not _active(user):
        return Group.objects.none()
    return Group.objects.filter(admin_roles__user=user).distinct()


def visible_groups(user) -> QuerySet:
    """Groups the user may see (without personal data of members for the police)."""
    from apps.groups.models import Group

    if _is_super(user):
        return Group.objects.all()
    if not _active(user):
        return Group.objects.none()
    return Group.objects.filter(
        Q(admin_roles__user=user)
        | Q(municipality_id__in=coordinated_municipality_ids(user))
        | Q(municipality_id__in=police_municipality_ids(user))
    ).distinct()


def applications_for(user) -> QuerySet:
    from apps.applications.models import Application

    return Application.objects.filter(group__in=managed_groups(user))


def members_for(user) -> QuerySet:
    from apps.members.models import Member

    return Member.objects.filter(group__in=managed_groups(user))


def group_requests_for(user) -> QuerySet:
    from apps.groups.models import GroupRequest

    return GroupRequest.objects.filter(municipality__in=municipalities_for(user))


def can_manage_group(user, group) -> bool:
    return managed_groups(user).filter(pk=group.pk).exists()


def can_coordinate(user, municipality) -> bool:
    return municipalities_for(user).filter(pk=municipality.pk).exists()


def require_group(user, group) -> None:
    if user is None:  # the system itself
        return
    if not can_manage_group(user, group):
        raise PermissionDenied


def require_group_admin(user, group) -> None:
    """Only the group's own admins (and operators): what a member asks their admin to record."""
    if user is None:  # the system itself
        return
    if not administered_groups(user).filter(pk=group.pk).exists():
        raise PermissionDenied


def require_municipality(user, municipality) -> None:
    if user is None:  # the system itself
        return
    if not can_coordinate(user, municipality):
        raise PermissionDenied


def roles(user) -> dict[str, bool]:
    """What the navigation shows."""
    if not _active(user):
        return {"admin": False, "coordinator": False, "police": False, "superuser": False}
    return {
        "admin": user.group_admin_roles.exists(),
        "coordinator": user.coordinator_roles.exists(),
        "police": user.police_roles.exists(),
        "superuser": user.is_superuser,
    }
