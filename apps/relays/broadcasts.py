"""Broadcasts: the police or a coordinator tells every admin of a municipality, a police zone
or a drawn area, and when the sender chooses so also the members there who agreed to alerts on
their application (the Belgian BIN practice). Red goes now (admins on their preferred channel;
members by WhatsApp, else SMS, else e-mail), even at night; green goes by e-mail and waits for the
end of the quiet hours (each admin's own; 22:00-07:00 for members).

Who may: a coordinator for their municipality; a police officer for their zone and its
municipalities; in a drawn area, only the groups within the sender's reach are included.
Group admins send no broadcasts. The sender sees the admins by name and the members only as
counts: residents' names and numbers never reach the police or the coordinator this way.

One message per person per broadcast: a member who is also an admin (same phone or e-mail) gets
the admin's message only, and a phone or e-mail address shared by several members is written to
once. Every message to a member carries a personal stop link (a secret of which only the SHA-256
is stored, as in ADR 0006).
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field

import shapely
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from shapely.geometry import shape

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import account_of
from apps.groups.languages import language_of
from apps.groups.models import Group, GroupAdmin
from apps.members.models import Member
from apps.messaging.models import OutgoingMessage
from apps.messaging.services import (
    Contact,
    Content,
    contact_channels,
    latest_attempt,
    queue_for_contact,
    queue_for_user,
)
from apps.municipalities.models import Municipality, PoliceZone
from apps.municipalities.permissions import coordinated_municipality_ids, police_municipality_ids

from .models import Broadcast, BroadcastRecipient
from .services import police_line, police_numbers

MAX_TEXT = 2000
MEMBER_TEMPLATE = "buurtwacht_broadcast_member"
# What the sender's view counts for members, in this order.
NO_CHANNEL = "no_channel"


def reach_municipality_ids(user) -> set[int] | None:
    """Municipalities the user may broadcast to; None means all (superuser)."""
    if user.is_superuser:
        return None
    return set(coordinated_municipality_ids(user)) | set(police_municipality_ids(user))


def _zones_for(user) -> QuerySet:
    if user.is_superuser:
        return PoliceZone.objects.all()
    return PoliceZone.objects.filter(officers__user=user)


def _groups(user, *, municipality_id=None, zone_id=None, geometry=None) -> tuple[str, dict, QuerySet]:
    reach = reach_municipality_ids(user)
    groups = Group.objects.exclude(status=Group.Status.CLOSED)
    chosen = [x is not None for x in (municipality_id, zone_id, geometry)]
    if sum(chosen) != 1:
        raise ValidationError(_("Choose exactly one of: a municipality, a police zone or a drawn area."))
    if municipality_id is not None:
        municipality = Municipality.objects.filter(pk=municipality_id).first()
        if municipality is None or (reach is not None and municipality.pk not in reach):
            raise ValidationError({"municipality_id": [_("Choose a municipality you coordinate or police.")]})
        return Broadcast.Scope.MUNICIPALITY, {"municipality": municipality}, groups.filter(municipality=municipality)
    if zone_id is not None:
        zone = _zones_for(user).filter(pk=zone_id).first()
        if zone is None:
            raise ValidationError({"zone_id": [_("Choose your own police zone.")]})
        return Broadcast.Scope.ZONE, {"zone": zone}, groups.filter(municipality__police_zones=zone)
    try:
        drawn = shape(geometry)
    except Exception:  # shapely raises several types for malformed GeoJSON
        raise ValidationError({"area": [_("Draw the area as a GeoJSON Polygon.")]}) from None
    if drawn.geom_type not in ("Polygon", "MultiPolygon") or drawn.is_empty or not drawn.is_valid:
        raise ValidationError({"area": [_("Draw the area as a GeoJSON Polygon.")]})
    if reach is not None:
        groups = groups.filter(municipality_id__in=reach)
    minx, miny, maxx, maxy = drawn.bounds
    candidates = groups.filter(
        area__min_lon__lte=maxx, area__max_lon__gte=minx, area__min_lat__lte=maxy, area__max_lat__gte=miny
    ).select_related("area")
    shapely.prepare(drawn)
    ids = [g.pk for g in candidates if drawn.intersects(shape(g.area.geometry))]
    return Broadcast.Scope.AREA, {"geometry": geometry}, Group.objects.filter(pk__in=ids)


def _require_sender(actor) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    if not (actor.is_superuser or coordinated_municipality_ids(actor) or police_municipality_ids(actor)):
        raise PermissionDenied


def _contact(member: Member) -> Contact:
    return Contact(phone=member.phone, email=member.email, member_id=member.pk)


@dataclass
class Plan:
    """Who a broadcast would reach. ``members`` holds residents: never show it to the sender,
    only ``counts``."""

    scope: str
    fields: dict
    audience: str
    admins: dict[int, GroupAdmin] = field(default_factory=dict)
    members: list[Member] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {"admins": len(self.admins), "members": len(self.members)}


def plan_broadcast(
    actor,
    *,
    urgency: str,
    audience: str = Broadcast.Audience.ADMINS,
    municipality_id: int | None = None,
    zone_id: int | None = None,
    geometry: dict | None = None,
) -> Plan:
    """The admins and members a broadcast would reach now (the preview and the send share it)."""
    _require_sender(actor)
    if audience not in Broadcast.Audience.values:
        raise ValidationError({"audience": [_("Choose who receives the message: the admins, or also the members.")]})
    scope, fields, groups = _groups(actor, municipality_id=municipality_id, zone_id=zone_id, geometry=geometry)
    roles = (
        GroupAdmin.objects.filter(group__in=groups, user__is_active=True)
        .select_related("user", "group", "group__municipality")
        .order_by("user_id", "group_id")
    )
    plan = Plan(scope=scope, fields=fields, audience=audience)
    for role in roles:
        plan.admins.setdefault(role.user_id, role)
    if audience == Broadcast.Audience.ADMINS_AND_MEMBERS:
        plan.members = _members(groups, plan.admins.values(), urgency)
    return plan


def _members(groups: QuerySet, admins, urgency: str) -> list[Member]:
    """Current members of the groups who agreed to alerts and did not stop them, one per person."""
    phones = {role.user.phone for role in admins if role.user.phone}
    emails = {role.user.email.lower() for role in admins if role.user.email}
    addresses: set[tuple[str, str]] = set()
    found = []
    candidates = (
        Member.objects.receiving_alerts()
        .filter(group__in=groups)
        .select_related("group", "group__municipality", "application")
        .order_by("pk")
    )
    for member in candidates:
        # The same person: an admin, or a member of two groups in scope.
        if member.phone in phones or member.email.lower() in emails:
            continue
        phones.add(member.phone)
        # The same address (a household sharing one e-mail address) is written to once.
        pairs = contact_channels(_contact(member), urgency)
        if pairs:
            if pairs[0] in addresses:
                continue
            addresses.add(pairs[0])
        found.append(member)
    return found


def stop_url(key: str) -> str:
    return settings.BUURTWACHT_SITE_URL + reverse("public:alerts_stop", args=[key])


def _member_language(member: Member) -> str:
    try:
        language = member.application.language
    except Member.application.RelatedObjectDoesNotExist:
        language = ""
    return language or member.group.municipality.language or settings.LANGUAGE_CODE


def _one_line(text: str) -> str:
    # WhatsApp template parameters may not hold new lines, tabs or runs of spaces.
    return " ".join(text.split())


def _member_content(member: Member, *, sender: str, subject: str, text: str, key: str) -> Content:
    """The message to one member, in the language they applied in, with their own stop link."""
    language = _member_language(member)
    url = stop_url(key)
    with translation.override(language):
        why = _(
            "You receive this because you asked for police and municipality alerts for %(group)s. "
            "To stop them, open this link: %(url)s"
        ) % {"group": member.group.name, "url": url}
        stop = _("Stop these alerts: %(url)s") % {"url": url}
    sms_text = f"{subject}: {text}"
    room = 600 - len(stop) - 1
    if len(sms_text) > room:
        sms_text = sms_text[: max(room - 1, 0)] + "…"
    return Content(
        subject=subject[:200],
        body=f"{text}\n\n— {sender}\n\n{why}",
        sms=f"{sms_text}\n{stop}",
        template=MEMBER_TEMPLATE,
        template_params=(_one_line(sender), _one_line(subject), _one_line(text)[:900], url),
        language=language,
    )


def _admin_content(*, sender: str, subject: str, text: str, language: str, numbers: tuple[str, str]) -> Content:
    """The message to the admins of one language and country."""
    with translation.override(language):
        call = police_line(numbers)
    sms_text = f"{subject}: {text}"
    room = 600 - len(call) - 1
    if len(sms_text) > room:
        sms_text = sms_text[: max(room - 1, 0)] + "…"
    return Content(
        subject=subject[:200],
        body=f"{text}\n\n— {sender}\n\n{call}",
        sms=f"{sms_text}\n{call}",
        template="buurtwacht_broadcast",
        template_params=(
            _one_line(sender),
            _one_line(subject),
            f"{_one_line(text)[: 900 - len(call) - 1]} {call}",
        ),
        language=language,
    )


def send_broadcast(
    *,
    actor,
    urgency: str,
    subject: str,
    text: str,
    municipality_id: int | None = None,
    zone_id: int | None = None,
    geometry: dict | None = None,
    audience: str = Broadcast.Audience.ADMINS,
) -> Broadcast:
    _require_sender(actor)
    errors = {}
    if urgency not in OutgoingMessage.Urgency.values:
        errors["urgency"] = [_("Choose red (urgent) or green (informational).")]
    if audience not in Broadcast.Audience.values:
        errors["audience"] = [_("Choose who receives the message: the admins, or also the members.")]
    subject = " ".join((subject or "").split())
    text = (text or "").strip()
    if not subject:
        errors["subject"] = [_("This field is required.")]
    if not text:
        errors["text"] = [_("This field is required.")]
    elif len(text) > MAX_TEXT:
        errors["text"] = [_("Keep the text under %(n)s characters.") % {"n": MAX_TEXT}]
    if errors:
        raise ValidationError(errors)
    plan = plan_broadcast(
        actor, urgency=urgency, audience=audience, municipality_id=municipality_id, zone_id=zone_id, geometry=geometry
    )
    if not plan.admins:
        raise ValidationError(_("No group admins in this scope."))
    with transaction.atomic():
        broadcast = Broadcast.objects.create(
            scope=plan.scope,
            audience=audience,
            urgency=urgency,
            subject=subject[:200],
            text=text,
            created_by=account_of(actor),
            **plan.fields,
        )
        sender = actor.display_name
        contents: dict = {}
        for user_id, role in plan.admins.items():
            # Each admin in their own language, with the police numbers of their group's country.
            language = language_of(role.user)
            numbers = police_numbers(role.group.municipality)
            if (language, numbers) not in contents:
                contents[language, numbers] = _admin_content(
                    sender=sender, subject=subject, text=text, language=language, numbers=numbers
                )
            message = queue_for_user(
                role.user,
                contents[language, numbers],
                urgency=urgency,
                topic=f"broadcast.{urgency}",
                dedupe_key=f"broadcast:{broadcast.pk}:user:{user_id}",
                group_id=role.group_id,
                municipality_id=role.group.municipality_id,
                fresh=True,
            )
            BroadcastRecipient.objects.create(
                broadcast=broadcast,
                kind=BroadcastRecipient.Kind.ADMIN,
                user=role.user,
                name=role.user.display_name[:160],
                channel=message.channel if message else "",
                message=message,
            )
        members = []
        for member in plan.members:
            key = secrets.token_urlsafe(32)
            message = queue_for_contact(
                _contact(member),
                _member_content(member, sender=sender, subject=subject, text=text, key=key),
                urgency=urgency,
                topic=f"broadcast.{urgency}",
                dedupe_key=f"broadcast:{broadcast.pk}:member:{member.pk}",
                group_id=member.group_id,
                municipality_id=member.group.municipality_id,
                fresh=True,
            )
            members.append(
                BroadcastRecipient(
                    broadcast=broadcast,
                    kind=BroadcastRecipient.Kind.MEMBER,
                    member=member,
                    channel=message.channel if message else "",
                    message=message,
                    stop_key_hash=BroadcastRecipient.hash_key(key),
                )
            )
        BroadcastRecipient.objects.bulk_create(members, batch_size=500)
        record(
            actor,
            AuditEvent.Action.BROADCAST_SENT,
            broadcast,
            municipality_id=plan.fields["municipality"].pk if "municipality" in plan.fields else None,
            scope=plan.scope,
            urgency=urgency,
            audience=audience,
            recipients=len(plan.admins) + len(plan.members),
            admins=len(plan.admins),
            members=len(plan.members),
        )
    return broadcast


def admin_rows(broadcast: Broadcast) -> list[dict]:
    """The admins who got the broadcast, by name, with the state of their message."""
    rows = []
    recipients = broadcast.recipients.filter(kind=BroadcastRecipient.Kind.ADMIN).select_related("message")
    for r in recipients.order_by("name", "id"):
        message = latest_attempt(r.message) if r.message else None
        rows.append(
            {
                "name": r.name,
                "channel": message.channel if message else (r.channel or None),
                "status": message.status if message else NO_CHANNEL,
                "not_before": message.next_attempt_at if message else None,
                "message": message,
            }
        )
    return rows


def member_counts(broadcast: Broadcast) -> dict[str, int]:
    """How the members' messages stand, as counts per status (and "no_channel"); no names."""
    message_ids = list(
        broadcast.recipients.filter(kind=BroadcastRecipient.Kind.MEMBER).values_list("message_id", flat=True)
    )
    counts: Counter = Counter(NO_CHANNEL for pk in message_ids if pk is None)
    counts.update(_final_statuses([pk for pk in message_ids if pk is not None]).values())
    return dict(counts)


def _final_statuses(message_ids: list[int]) -> dict[int, str]:
    """The status of the last message of each fallback chain, a few queries for any number of
    messages (one per step of the longest chain)."""
    status = dict(OutgoingMessage.objects.filter(pk__in=message_ids).values_list("pk", "status"))
    current = {pk: pk for pk in status}  # first message -> latest one
    frontier = set(status)
    seen = set(frontier)
    while frontier:
        later = (
            OutgoingMessage.objects.filter(replaces_id__in=frontier)
            .order_by("id")
            .values_list("pk", "replaces_id", "status")
        )
        step = {}
        for pk, replaces, state in later:
            if replaces not in step and pk not in seen:
                step[replaces] = (pk, state)
        frontier = set()
        for root, latest in current.items():
            if latest in step:
                pk, state = step[latest]
                current[root], status[root] = pk, state
                frontier.add(pk)
                seen.add(pk)
    return {root: status[root] for root in current}


def find_by_stop_key(key: str) -> BroadcastRecipient | None:
    """The member recipient whose stop link this is; None for a wrong key."""
    if not key or len(key) > 100:
        return None
    return (
        BroadcastRecipient.objects.select_related("member", "member__group", "broadcast")
        .filter(kind=BroadcastRecipient.Kind.MEMBER, stop_key_hash=BroadcastRecipient.hash_key(key))
        .first()
    )
