"""The language a staff member is written to in: e-mails, SMS and WhatsApp messages the system
sends them, whatever language the sender's page was in."""

from __future__ import annotations

from django.conf import settings

from apps.core.actors import is_person
from apps.municipalities.models import Municipality

from .models import Group


def language_of(user) -> str:
    """Their own choice; else the language of the municipality they work for (coordinator,
    police, admin of a group, in that order); else the site's default (Dutch)."""
    if not is_person(user):
        return settings.LANGUAGE_CODE
    if user.language:
        return user.language
    municipality = (
        Municipality.objects.filter(coordinators__user=user).only("language").first()
        or Municipality.objects.filter(police_zones__officers__user=user).only("language").first()
    )
    if municipality is None:
        group = Group.objects.filter(admin_roles__user=user).select_related("municipality").first()
        municipality = group.municipality if group else None
    return municipality.language if municipality else settings.LANGUAGE_CODE
