"""Telling group admins that their municipality published new house rules.

Municipalities sit below groups and know no admins, so ``apps.municipalities.hooks`` calls this
from inside ``publish_house_rules``'s transaction (registered in ``GroupsConfig.ready``): the
e-mails are queued with the new version or not at all, whoever publishes it.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from apps.messaging.services import queue_email

from .languages import language_of
from .models import Group, GroupAdmin


def notify_admins(rules, *, actor) -> int:
    """One e-mail to each admin and co-admin of the municipality's groups that are not closed,
    in their own language, with the text in that language when the version has it. The number
    of e-mails queued."""
    municipality = rules.municipality
    roles = (
        GroupAdmin.objects.filter(group__municipality=municipality, user__is_active=True)
        .exclude(group__status=Group.Status.CLOSED)
        .exclude(user__email="")
        .select_related("user", "group")
        .order_by("user_id", "group__name", "group_id")
    )
    groups_of: dict[int, list[Group]] = {}
    users = {}
    for role in roles:
        users[role.user_id] = role.user
        groups_of.setdefault(role.user_id, []).append(role.group)
    for user_id, user in users.items():
        language = language_of(user)
        shown = rules.in_language(language)
        groups = groups_of[user_id]
        link = settings.BUURTWACHT_SITE_URL + reverse("public:group_detail", args=[groups[0].slug]) + "#house-rules"
        with translation.override(language):
            queue_email(
                to=user.email,
                subject=_("New house rules for %(municipality)s (version %(version)d)")
                % {"municipality": municipality.name, "version": rules.version},
                body=_(
                    "Dear %(name)s,\n\n"
                    "The municipality of %(municipality)s published version %(version)d of the house rules of "
                    "its neighbourhood-watch groups, among them %(groups)s.\n\n"
                    "Residents who apply from now on accept this version; current members receive a link to "
                    "accept it. Please share it in your WhatsApp group. The rules as residents read them:\n"
                    "%(url)s\n\n"
                    "%(title)s\n\n%(text)s\n"
                )
                % {
                    "name": user.display_name,
                    "municipality": municipality.name,
                    "version": rules.version,
                    "groups": ", ".join(g.name for g in groups),
                    "url": link,
                    "title": shown.title,
                    "text": shown.text,
                },
                topic="house_rules.published",
                dedupe_key=f"house_rules:{rules.pk}:admin:{user_id}",
                group_id=groups[0].pk if len(groups) == 1 else None,
                municipality_id=municipality.pk,
            )
    return len(users)
