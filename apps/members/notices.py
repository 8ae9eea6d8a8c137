"""Notices to members about their group (not alerts: every current member gets them, whether or
not they asked for police and municipality alerts)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from apps.messaging.models import OutgoingMessage
from apps.messaging.services import Contact, Content, queue_for_contact

from .models import Member

# A WhatsApp template (group name, invite link or "-"): used only for a member without e-mail.
GROUP_LIVE_TEMPLATE = "buurtwacht_group_live"


def _language(member: Member) -> str:
    try:
        language = member.application.language
    except Member.application.RelatedObjectDoesNotExist:
        language = ""
    return language or member.group.municipality.language or settings.LANGUAGE_CODE


def tell_group_is_live(group, *, actor) -> int:
    """The group became active: each current member is told, once (a dedupe key per group and
    member), in the language they applied in, with the invite link when the group has one.
    Registered with ``apps.groups.hooks`` and called inside ``save_group``'s transaction; returns
    how many messages were queued."""
    queued = 0
    members = Member.objects.current().filter(group=group).select_related("group__municipality", "application")
    for member in members.order_by("pk"):
        dedupe_key = f"group:{group.pk}:live:member:{member.pk}"
        if OutgoingMessage.objects.filter(dedupe_key=dedupe_key).exists():
            continue  # told before: a group that goes live again says nothing new
        language = _language(member)
        with translation.override(language):
            values = {"name": member.full_name, "group": group.name, "invite": group.invite_link}
            subject = _("%(group)s is live") % values
            if group.invite_link:
                text = _(
                    "Dear %(name)s,\n\nThe neighbourhood-watch group %(group)s is live now. "
                    "Join the WhatsApp group with this link:\n%(invite)s"
                )
            else:
                text = _(
                    "Dear %(name)s,\n\nThe neighbourhood-watch group %(group)s is live now. "
                    "The admin will add your number to the WhatsApp group."
                )
            body = text % values
            sms = _("%(group)s is live now.") % values
            if group.invite_link:
                sms += " " + group.invite_link
        message = queue_for_contact(
            Contact(phone=member.phone, email=member.email, member_id=member.pk),
            Content(
                subject=subject,
                body=body,
                sms=sms,
                template=GROUP_LIVE_TEMPLATE,
                template_params=(group.name, group.invite_link or "-"),
                language=language,
            ),
            urgency=OutgoingMessage.Urgency.GREEN,
            topic="group.live",
            dedupe_key=dedupe_key,
            group_id=group.pk,
            municipality_id=group.municipality_id,
        )
        queued += message is not None
    return queued
