"""Who may organise a meeting and who sees it. The pattern is described in
``apps/municipalities/permissions.py``: querysets for the views, ``require_*`` for the services.

A meeting is organised by a coordinator of its municipality (and by operators). The people it
invites (admins, co-admins, police, coordinators) see it and answer it on the desk; they do not
change it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from apps.core.actors import is_person, is_system, require_actor
from apps.municipalities.permissions import municipalities_for

from .models import Meeting, Participant


def organised_meetings(user) -> QuerySet:
    """Meetings the user may change, invite for and keep the minutes of."""
    return Meeting.objects.filter(municipality__in=municipalities_for(user))


def invitations_for(user) -> QuerySet:
    """The user's own invitations."""
    if not is_person(user):
        return Participant.objects.none()
    return Participant.objects.filter(user=user)


def visible_meetings(user) -> QuerySet:
    """Meetings the user organises or is invited to."""
    if not is_person(user):
        return Meeting.objects.none()
    return Meeting.objects.filter(Q(municipality__in=municipalities_for(user)) | Q(participants__user=user)).distinct()


def can_organise(user, meeting: Meeting) -> bool:
    return organised_meetings(user).filter(pk=meeting.pk).exists()


def require_meeting(actor, meeting: Meeting) -> None:
    require_actor(actor)
    if is_system(actor):
        return
    if not can_organise(actor, meeting):
        raise PermissionDenied


def require_organiser_of(actor, municipality) -> None:
    require_actor(actor)
    if is_system(actor):
        return
    if not municipalities_for(actor).filter(pk=municipality.pk).exists():
        raise PermissionDenied
