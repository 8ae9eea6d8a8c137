"""Messages of a coordinator to the admins' network: every admin and co-admin of the
municipality's groups, or of the groups in some of its sub-municipalities.

A group is in a sub-municipality when its area overlaps it for real, the one definition the
coverage figures use (``apps.coverage.sub_municipalities.cover``); a sub-municipality without a
boundary holds the groups whose area is linked to it. Closed groups are left out.

Each admin gets one message (however many groups they run there) through
``messaging.queue_for_user``, in their own language, on their channel: red now (WhatsApp, SMS,
else e-mail), green by e-mail after their quiet hours. It names the sender and their
municipality, links to the municipality's WhatsApp group of admins when it keeps one, and carries
a secret acknowledgement link ("read"), of which only the SHA-256 is stored (ADR 0006); the link
itself leaves the message once it was sent (ADR 0022). The coordinator sees per admin: sent,
delivered or failed, acknowledged when.

A message is sent once, as broadcasts are (ADR 0025): the same request of the same sender within
``REPEAT_WINDOW``, or the same one-time key of the desk form within ``KEY_WINDOW``, answers the
message that already went out; the sender's own row is the lock, so two requests at once make one
message.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import PUBLIC, account_of, is_operator, is_person, require_actor
from apps.coverage.sub_municipalities import cover
from apps.groups.languages import language_of
from apps.groups.models import Group, GroupAdmin
from apps.messaging.models import OutgoingMessage
from apps.messaging.services import Content, latest_attempt, queue_for_user
from apps.municipalities.models import Municipality, SubMunicipality
from apps.municipalities.permissions import coordinated_municipality_ids, require_municipality

from .models import AdminMessage, AdminMessageRecipient, NetworkSettings

MAX_SUBJECT = 200
MAX_TEXT = 2000
MAX_KEY = 300
# The same message asked twice within this window (a double click, a form sent again) is one message.
REPEAT_WINDOW = timedelta(seconds=60)
# A one-time form key answers the message it made for this long.
KEY_WINDOW = timedelta(hours=24)
# The acknowledgement link works this long after the message.
LINK_DAYS = 30
WHATSAPP_TEMPLATE = "buurtwacht_network_message"
NO_CHANNEL = "no_channel"


class RequestKeyReused(ValidationError):
    """The form's one-time key already made a message, of another request."""


@dataclass(frozen=True)
class Sent:
    """``repeat`` is empty for a new message; ``"window"`` or ``"key"`` when an earlier one was
    answered instead, and nothing was sent again."""

    admin_message: AdminMessage
    repeat: str = ""


@dataclass
class Plan:
    groups: list[Group]
    # user id -> (the user, their groups among ``groups``)
    admins: dict[int, tuple] = field(default_factory=dict)


def may_write(user, municipality: Municipality) -> bool:
    """The municipality's coordinators, and operators."""
    return is_operator(user) or municipality.pk in coordinated_municipality_ids(user)


def groups_in(municipality: Municipality, sub_municipalities=()) -> list[Group]:
    """The municipality's groups that are not closed; with sub-municipalities, those whose area
    lies in one of them (by the coverage definition)."""
    groups = list(
        Group.objects.filter(municipality=municipality)
        .exclude(status=Group.Status.CLOSED)
        .select_related("area")
        .order_by("name", "pk")
    )
    subs = list(sub_municipalities)
    if not subs:
        return groups
    found: set[int] = set()
    for row in cover(subs, groups):
        found.update(row.group_ids)
    return [g for g in groups if g.pk in found]


def plan_message(municipality: Municipality, sub_municipalities=()) -> Plan:
    """Who the message would reach: each active admin or co-admin once, with their groups."""
    groups = groups_in(municipality, sub_municipalities)
    plan = Plan(groups=groups)
    roles = (
        GroupAdmin.objects.filter(group__in=groups, user__is_active=True)
        .select_related("user", "group")
        .order_by("user__last_name", "user__first_name", "user_id", "group__name")
    )
    for role in roles:
        user, groups_of = plan.admins.setdefault(role.user_id, (role.user, []))
        groups_of.append(role.group)
    return plan


def _sub_municipalities(municipality: Municipality, ids) -> list[SubMunicipality]:
    ids = sorted({int(i) for i in ids or ()})
    found = list(SubMunicipality.objects.filter(municipality=municipality, pk__in=ids).order_by("name", "pk"))
    if len(found) != len(ids):
        raise ValidationError(
            {"sub_municipalities": [_("Choose sub-municipalities of %(name)s.") % {"name": municipality.name}]}
        )
    return found


def ack_url(key: str) -> str:
    return settings.BUURTWACHT_SITE_URL + reverse("public:network_message_acknowledge", args=[key])


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _sender(admin_message: AdminMessage) -> str:
    """The sender on one line in the active language: "An Peeters (coordinator, municipality of Heers)"."""
    return _("%(name)s (coordinator, municipality of %(municipality)s)") % {
        "name": _one_line(admin_message.sender_name) or "Buurtwacht",
        "municipality": admin_message.municipality.name,
    }


def _content(admin_message: AdminMessage, key: str, *, language: str, group_link: str) -> Content:
    url = ack_url(key)
    subject, text = admin_message.subject, admin_message.text
    with translation.override(language):
        sender = _sender(admin_message)
        ack = _("Read it? Let the coordinator know: %(url)s") % {"url": url}
        group = _("The WhatsApp group of the admins: %(link)s") % {"link": group_link} if group_link else ""
        intro = _("A message to the admins' network of %(municipality)s.") % {
            "municipality": admin_message.municipality.name
        }
    body = "\n".join([intro, "", text, "", f"— {sender}", "", ack, *([group] if group else [])])
    after = "\n".join([f"— {sender}", ack])
    short = f"{subject}: {text}"
    room = 600 - len(after) - 1
    if len(short) > room:
        short = short[: max(room - 1, 0)] + "…"
    return Content(
        subject=subject[:MAX_SUBJECT],
        body=body,
        sms=f"{short}\n{after}",
        template=WHATSAPP_TEMPLATE,
        template_params=(_one_line(sender), _one_line(subject), _one_line(text)[:900], url),
        language=language,
    )


def request_hash(*, municipality_id, sub_municipality_ids, urgency, subject, text) -> str:
    asked = {
        "municipality_id": municipality_id,
        "sub_municipality_ids": sorted(sub_municipality_ids),
        "urgency": urgency,
        "subject": subject,
        "text": text,
    }
    return hashlib.sha256(json.dumps(asked, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _earlier(actor, fingerprint: str, request_key: str, window: bool) -> Sent | None:
    now = timezone.now()
    mine = AdminMessage.objects.filter(created_by=account_of(actor)).order_by("-created_at", "-id")
    if request_key:
        earlier = mine.filter(request_key=request_key, created_at__range=(now - KEY_WINDOW, now + KEY_WINDOW)).first()
        if earlier is not None:
            if earlier.request_hash != fingerprint:
                raise RequestKeyReused(
                    _("This form was already sent with another message. Check it again before you send.")
                )
            return Sent(earlier, repeat="key")
    if window:
        earlier = mine.filter(
            request_hash=fingerprint, created_at__range=(now - REPEAT_WINDOW, now + REPEAT_WINDOW)
        ).first()
        if earlier is not None:
            return Sent(earlier, repeat="window")
    return None


def send_admin_message(
    *,
    actor,
    municipality: Municipality,
    urgency: str,
    subject: str,
    text: str,
    sub_municipality_ids=(),
    request_key: str = "",
    window: bool = True,
) -> Sent:
    """Send the message to the admins of ``municipality`` (or of its chosen sub-municipalities)
    once. Only its coordinators and operators (PermissionDenied otherwise). Refused with a
    ValidationError, writing nothing: another urgency than red or green, an empty or too long
    subject or text, a sub-municipality of another municipality, nobody to reach."""
    require_actor(actor)
    if not is_person(actor):
        raise PermissionDenied
    require_municipality(actor, municipality)
    errors: dict[str, list] = {}
    if urgency not in OutgoingMessage.Urgency.values:
        errors["urgency"] = [_("Choose red (urgent) or green (informational).")]
    subject = " ".join((subject or "").split())
    text = (text or "").strip()
    if not subject:
        errors["subject"] = [_("This field is required.")]
    elif len(subject) > MAX_SUBJECT:
        errors["subject"] = [_("Keep the subject under %(n)s characters.") % {"n": MAX_SUBJECT}]
    if not text:
        errors["text"] = [_("This field is required.")]
    elif len(text) > MAX_TEXT:
        errors["text"] = [_("Keep the text under %(n)s characters.") % {"n": MAX_TEXT}]
    try:
        subs = _sub_municipalities(municipality, sub_municipality_ids)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        subs = []
    if errors:
        raise ValidationError(errors)
    if len(request_key) > MAX_KEY:
        raise ValueError("request_key is longer than MAX_KEY")
    fingerprint = request_hash(
        municipality_id=municipality.pk,
        sub_municipality_ids=[s.pk for s in subs],
        urgency=urgency,
        subject=subject,
        text=text,
    )
    with transaction.atomic():
        # The sender's row is the lock: two identical requests at once make one message. SQLite
        # takes the database's write lock when the transaction begins (ADR 0018).
        list(get_user_model().objects.select_for_update().filter(pk=actor.pk).values_list("pk", flat=True))
        earlier = _earlier(actor, fingerprint, request_key, window)
        if earlier is not None:
            return earlier
        plan = plan_message(municipality, subs)
        if not plan.admins:
            raise ValidationError(_("No group admins in this choice of sub-municipalities."), code="nobody")
        admin_message = AdminMessage.objects.create(
            municipality=municipality,
            urgency=urgency,
            subject=subject,
            text=text,
            created_by=account_of(actor),
            sender_name=actor.display_name[:160],
            request_hash=fingerprint,
            request_key=request_key,
        )
        admin_message.sub_municipalities.set(subs)
        settings_row = NetworkSettings.objects.filter(municipality=municipality).first()
        group_link = settings_row.admins_group_link if settings_row else ""
        links = []
        for user_id, (user, groups) in plan.admins.items():
            key = secrets.token_urlsafe(32)
            language = language_of(user)
            message = queue_for_user(
                user,
                _content(admin_message, key, language=language, group_link=group_link),
                urgency=urgency,
                topic=f"network.{urgency}",
                dedupe_key=f"network-message:{admin_message.pk}:user:{user_id}",
                group_id=groups[0].pk,
                municipality_id=municipality.pk,
                fresh=True,
            )
            recipient = AdminMessageRecipient.objects.create(
                admin_message=admin_message,
                user=user,
                name=user.display_name[:160],
                channel=message.channel if message else "",
                message=message,
                ack_key_hash=AdminMessageRecipient.hash_key(key),
                language=language,
            )
            links += [
                AdminMessageRecipient.groups.through(adminmessagerecipient_id=recipient.pk, group_id=g.pk)
                for g in groups
            ]
        AdminMessageRecipient.groups.through.objects.bulk_create(links)
        record(
            actor,
            AuditEvent.Action.NETWORK_MESSAGE_SENT,
            admin_message,
            municipality_id=municipality.pk,
            sub_municipality_ids=[s.pk for s in subs],
            urgency=urgency,
            recipients=len(plan.admins),
            groups=len(plan.groups),
        )
    return Sent(admin_message)


# --- who sees what ------------------------------------------------------------------------------


def messages_for(user) -> QuerySet:
    """The messages a user may follow: those of the municipalities they coordinate; operators, all."""
    found = AdminMessage.objects.select_related("municipality", "created_by")
    if is_operator(user):
        return found
    if not is_person(user):
        return found.none()
    return found.filter(municipality_id__in=coordinated_municipality_ids(user))


def received_by(user) -> QuerySet:
    """What an admin received, newest first, each with their own acknowledgement."""
    if not is_person(user):
        return AdminMessageRecipient.objects.none()
    return (
        AdminMessageRecipient.objects.filter(user=user)
        .select_related("admin_message", "admin_message__municipality")
        .order_by("-admin_message__created_at", "-pk")
    )


def _final(message: OutgoingMessage | None) -> OutgoingMessage | None:
    return latest_attempt(message) if message is not None else None


def recipient_rows(admin_message: AdminMessage) -> list[dict]:
    """Each admin: their groups, channel, delivery status (of the last message of its fallback
    chain), when it was sent and acknowledged."""
    rows = []
    recipients = admin_message.recipients.select_related("message").prefetch_related("groups").order_by("name", "id")
    for r in recipients:
        message = _final(r.message)
        rows.append(
            {
                "id": r.pk,
                "name": r.name,
                "user_id": r.user_id,
                "groups": [g.name for g in r.groups.all()],
                "channel": (message.channel if message else r.channel) or None,
                "message": message,
                "status": message.status if message else NO_CHANNEL,
                "sent_at": message.sent_at if message else None,
                "acknowledged_at": r.acknowledged_at,
            }
        )
    return rows


# --- the acknowledgement link -------------------------------------------------------------------


def find_by_key(key: str) -> AdminMessageRecipient | None:
    if not key or len(key) > 100:
        return None
    return (
        AdminMessageRecipient.objects.select_related("admin_message", "admin_message__municipality")
        .filter(ack_key_hash=AdminMessageRecipient.hash_key(key))
        .first()
    )


def link_is_valid(recipient: AdminMessageRecipient) -> bool:
    return timezone.now() < recipient.admin_message.created_at + timedelta(days=LINK_DAYS)


def acknowledge(recipient: AdminMessageRecipient) -> bool:
    """Mark the message read; True the first time, False when it was already acknowledged.
    An expired link acknowledges nothing (ValidationError)."""
    if not link_is_valid(recipient):
        raise ValidationError(_("This link has expired."), code="expired")
    with transaction.atomic():
        updated = AdminMessageRecipient.objects.filter(pk=recipient.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=timezone.now()
        )
        if updated:
            record(
                PUBLIC,
                AuditEvent.Action.NETWORK_MESSAGE_ACKNOWLEDGED,
                recipient.admin_message,
                municipality_id=recipient.admin_message.municipality_id,
                recipient_id=recipient.pk,
            )
    return bool(updated)


__all__ = [
    "RequestKeyReused",
    "Sent",
    "acknowledge",
    "find_by_key",
    "groups_in",
    "link_is_valid",
    "may_write",
    "messages_for",
    "plan_message",
    "received_by",
    "recipient_rows",
    "send_admin_message",
]
