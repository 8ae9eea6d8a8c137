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


def languages_of(users) -> dict[int, str]:
    """:func:`language_of` for many users at once, by user id: three queries in all, not up to
    three per user (a relay to a hundred admins asks this for each of them)."""
    people = [u for u in users if is_person(u)]
    languages = {u.pk: u.language for u in people if u.language}
    pending = {u.pk for u in people} - languages.keys()
    # Each source in the order ``language_of`` tries them, and within a source the first row by
    # the models' own ordering, as ``first()`` takes it.
    sources = (
        lambda ids: Municipality.objects.filter(coordinators__user__in=ids).values_list(
            "coordinators__user", "language"
        ),
        lambda ids: Municipality.objects.filter(police_zones__officers__user__in=ids).values_list(
            "police_zones__officers__user", "language"
        ),
        lambda ids: Group.objects.filter(admin_roles__user__in=ids).values_list(
            "admin_roles__user", "municipality__language"
        ),
    )
    for rows_of in sources:
        if not pending:
            break
        found: dict[int, str] = {}
        for user_id, language in rows_of(sorted(pending)):
            found.setdefault(user_id, language)
        languages.update(found)
        pending -= found.keys()
    languages.update(dict.fromkeys(pending, settings.LANGUAGE_CODE))
    return languages
