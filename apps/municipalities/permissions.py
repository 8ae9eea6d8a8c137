"""Who may see and act for a municipality: its coordinators, and the police of its zones.

The pattern every app follows (``apps/<app>/permissions.py``): querysets ``*_for(user)`` that
views and API endpoints take their objects from, so anything out of reach is a 404; and
``require_*(actor, obj)`` that the app's services call before they write. ``SYSTEM`` passes
every ``require_*``; ``None`` passes none.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from apps.core.actors import is_operator, is_person, is_system, require_actor

from .models import Municipality, PoliceZone


def coordinated_municipality_ids(user) -> list[int]:
    if not is_person(user):
        return []
    return list(user.coordinator_roles.values_list("municipality_id", flat=True))


def police_municipality_ids(user) -> list[int]:
    if not is_person(user):
        return []
    return list(PoliceZone.objects.filter(officers__user=user).values_list("municipalities__id", flat=True).distinct())


def municipalities_for(user) -> QuerySet:
    """Municipalities the user coordinates."""
    if is_operator(user):
        return Municipality.objects.all()
    return Municipality.objects.filter(id__in=coordinated_municipality_ids(user))


def can_coordinate(user, municipality) -> bool:
    return municipalities_for(user).filter(pk=municipality.pk).exists()


def require_municipality(actor, municipality) -> None:
    require_actor(actor)
    if is_system(actor):
        return
    if not can_coordinate(actor, municipality):
        raise PermissionDenied


def needs_second_factor(user) -> bool:
    """Coordinators and police officers log in with a second factor (``apps.accounts.second_factor``)."""
    return is_person(user) and (user.coordinator_roles.exists() or user.police_roles.exists())


def may_act_on_message(actor, message) -> bool:
    """A coordinator may retry the municipality's messages (``apps.messaging.hooks``)."""
    return bool(message.municipality_id) and municipalities_for(actor).filter(pk=message.municipality_id).exists()
