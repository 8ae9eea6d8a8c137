"""Members accept a new version of the house rules by a personal link.

When a municipality publishes a real new version, ``ask_members_to_accept`` (registered with
``apps.municipalities.hooks`` in ``MembersConfig.ready``, so it runs inside
``publish_house_rules``'s transaction) e-mails each current member of its groups a link. The link
is signed (``django.core.signing``: the member and the version, nothing stored, nothing to
guess); opening it shows the rules, and only the POST of its button records the acceptance
(``accept_house_rules``), because mail scanners open links.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.groups.models import Group
from apps.messaging.services import queue_email
from apps.municipalities.models import HouseRulesVersion

from .models import Member

SALT = "members.house_rules.accept"
LINK_VALID_DAYS = 180


def acceptance_token(member: Member, rules: HouseRulesVersion) -> str:
    return signing.dumps({"m": member.pk, "v": rules.pk}, salt=SALT, compress=True)


def acceptance_url(member: Member, rules: HouseRulesVersion) -> str:
    return settings.BUURTWACHT_SITE_URL + reverse("public:house_rules_accept", args=[acceptance_token(member, rules)])


def from_token(token: str) -> tuple[Member, HouseRulesVersion] | None:
    """The member and the version of a link; ``None`` for a link that is wrong, too old, or
    whose member or version no longer exists."""
    try:
        data = signing.loads(token, salt=SALT, max_age=LINK_VALID_DAYS * 24 * 3600)
        member = Member.objects.select_related("group__municipality", "house_rules_version").get(pk=int(data["m"]))
        rules = HouseRulesVersion.objects.select_related("municipality").get(pk=int(data["v"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError, Member.DoesNotExist, HouseRulesVersion.DoesNotExist):
        return None
    if rules.municipality_id != member.group.municipality_id:
        return None
    return member, rules


def has_accepted(member: Member, rules: HouseRulesVersion) -> bool:
    return member.house_rules_version.version >= rules.version


@transaction.atomic
def accept_house_rules(member: Member, rules: HouseRulesVersion, *, actor) -> bool:
    """Record that the member accepts ``rules``. ``False`` when they had already accepted it
    (nothing changes). Refused when they left the group, or when a newer version was published
    since (they accept that one, by the link of its own e-mail)."""
    member = Member.objects.select_for_update().select_related("house_rules_version").get(pk=member.pk)
    if member.left_at is not None:
        raise ValidationError(_("You are no longer a member of this group. Nothing was changed."), code="left")
    current = rules.municipality.current_house_rules
    if current is None or current.pk != rules.pk:
        raise ValidationError(
            _("A newer version of the house rules was published since. Use the link in the latest e-mail."),
            code="outdated",
        )
    if has_accepted(member, rules):
        return False
    member.house_rules_version = rules
    member.house_rules_accepted_at = timezone.now()
    member.save(update_fields=["house_rules_version", "house_rules_accepted_at"])
    record(
        actor,
        AuditEvent.Action.MEMBER_HOUSE_RULES_ACCEPTED,
        member,
        group_id=member.group_id,
        municipality_id=rules.municipality_id,
        version=rules.version,
    )
    return True


def _language(member: Member) -> str:
    try:
        language = member.application.language
    except Member.application.RelatedObjectDoesNotExist:
        language = ""
    return language or member.group.municipality.language or settings.LANGUAGE_CODE


def ask_members_to_accept(rules: HouseRulesVersion, *, actor) -> int:
    """One e-mail to each current member of the municipality's groups that are not closed, in
    the language they applied in, with their personal link. The number queued."""
    members = (
        Member.objects.current()
        .filter(group__municipality_id=rules.municipality_id)
        .exclude(group__status=Group.Status.CLOSED)
        .exclude(email="")
        .select_related("group__municipality", "application")
        .order_by("pk")
    )
    queued = 0
    for member in members:
        language = _language(member)
        with translation.override(language):
            queue_email(
                to=member.email,
                subject=_("New house rules for %(group)s: please accept them") % {"group": member.group.name},
                body=_(
                    "Dear %(name)s,\n\n"
                    "The municipality of %(municipality)s published version %(version)d of the house rules of "
                    "the neighbourhood-watch group %(group)s. Read them and accept them with this link:\n"
                    "%(url)s\n\n"
                    "The link is personal; do not pass it on."
                )
                % {
                    "name": member.full_name,
                    "municipality": rules.municipality.name,
                    "version": rules.version,
                    "group": member.group.name,
                    "url": acceptance_url(member, rules),
                },
                topic="house_rules.accept",
                dedupe_key=f"house_rules:{rules.pk}:member:{member.pk}",
                group_id=member.group_id,
                municipality_id=rules.municipality_id,
            )
        queued += 1
    return queued
