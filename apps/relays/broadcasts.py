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
is stored, as in ADR 0006). Every message names who sends it as Buurtwacht knows them: their name,
their role and the police zone or municipality they send for, in the recipient's language.

A broadcast is sent once (ADR 0025). The same sender asking for the same broadcast (urgency,
audience, scope, subject and text) again within ``REPEAT_WINDOW`` (a double click, a form sent
twice, a client retrying) gets the broadcast that already went out; a request key (the API's
``Idempotency-Key`` header, the desk form's one-time key) answers the same for ``KEY_WINDOW``,
and refuses the key with another request. The sender's own row is the lock, so two requests at
once make one broadcast.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

import shapely
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
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
    queue_for_contact,
    queue_for_user,
)
from apps.municipalities.models import Municipality, PoliceZone
from apps.municipalities.permissions import coordinated_municipality_ids, police_municipality_ids

from .models import Broadcast, BroadcastRecipient
from .services import REPEAT_WINDOW, police_line, police_numbers

MAX_TEXT = 2000
# A request key answers the broadcast it first made for this long (the common convention).
KEY_WINDOW = timedelta(hours=24)
MAX_KEY = 300  # Broadcast.request_key: the callers' own prefix ("api:", "desk:") and the key
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
    # The phone only once the member confirmed it: until then, alerts go by e-mail.
    return Contact(phone=member.alert_phone, email=member.email, member_id=member.pk)


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


# --- who sends it -------------------------------------------------------------------------------


def _origin(actor, scope: str, fields: dict) -> dict:
    """The police zone or the municipality the sender sends this broadcast for: the zone of a
    broadcast to a zone; for a municipality, the sender's coordination of it, else their zone
    that covers it; for a drawn area, their zone, else their municipality. An operator without
    either role sends for neither."""
    zones = PoliceZone.objects.filter(officers__user=actor).order_by("name", "pk")
    municipalities = Municipality.objects.filter(coordinators__user=actor).order_by("name", "pk")
    if scope == Broadcast.Scope.ZONE and zones.filter(pk=fields["zone"].pk).exists():
        return {"sender_zone": fields["zone"]}
    if scope == Broadcast.Scope.MUNICIPALITY:
        municipality = fields["municipality"]
        if municipalities.filter(pk=municipality.pk).exists():
            return {"sender_municipality": municipality}
        zone = zones.filter(municipalities=municipality).first()
        if zone is not None:
            return {"sender_zone": zone}
    zone = zones.first()
    if zone is not None:
        return {"sender_zone": zone}
    municipality = municipalities.first()
    return {"sender_municipality": municipality} if municipality is not None else {}


def sender_role(broadcast: Broadcast) -> tuple[str, str]:
    """(organisation, role) of the sender, in the active language: "PZ Kanton Heerlo", "police
    officer"; "Municipality of Heers", "coordinator"."""
    if broadcast.sender_zone_id:
        return broadcast.sender_zone.name, _("police officer")
    if broadcast.sender_municipality_id:
        return _("Municipality of %(name)s") % {"name": broadcast.sender_municipality.name}, _("coordinator")
    return "Buurtwacht", _("platform operator")


def signature(broadcast: Broadcast) -> str:
    """The sender on one line, in the active language: "Jan Peeters (PZ Kanton Heerlo — police
    officer)"."""
    organisation, role = sender_role(broadcast)
    return f"{_one_line(broadcast.sender_name)} ({organisation} — {role})"


def _signed(broadcast: Broadcast) -> str:
    """The sender under the text of an e-mail: the name, then organisation and role."""
    organisation, role = sender_role(broadcast)
    return f"— {broadcast.sender_name}\n{organisation} — {role}"


def _short(subject: str, text: str, *, after: str) -> str:
    """The SMS: subject and text, cut to leave room for what comes after them."""
    short = f"{subject}: {text}"
    room = 600 - len(after) - 1
    if len(short) > room:
        short = short[: max(room - 1, 0)] + "…"
    return f"{short}\n{after}"


def _member_content(member: Member, *, broadcast: Broadcast, key: str) -> Content:
    """The message to one member, in the language they applied in, with their own stop link."""
    language = _member_language(member)
    url = stop_url(key)
    subject, text = broadcast.subject, broadcast.text
    with translation.override(language):
        why = _(
            "You receive this because you asked for police and municipality alerts for %(group)s. "
            "To stop them, open this link: %(url)s"
        ) % {"group": member.group.name, "url": url}
        stop = _("Stop these alerts: %(url)s") % {"url": url}
        sender, signed = signature(broadcast), _signed(broadcast)
    return Content(
        subject=subject[:200],
        body=f"{text}\n\n{signed}\n\n{why}",
        sms=_short(subject, text, after=f"— {sender}\n{stop}"),
        template=MEMBER_TEMPLATE,
        template_params=(sender, _one_line(subject), _one_line(text)[:900], url),
        language=language,
    )


def _admin_content(broadcast: Broadcast, *, language: str, numbers: tuple[str, str]) -> Content:
    """The message to the admins of one language and country."""
    subject, text = broadcast.subject, broadcast.text
    with translation.override(language):
        call = police_line(numbers)
        sender, signed = signature(broadcast), _signed(broadcast)
    return Content(
        subject=subject[:200],
        body=f"{text}\n\n{signed}\n\n{call}",
        sms=_short(subject, text, after=f"— {sender}\n{call}"),
        template="buurtwacht_broadcast",
        template_params=(
            sender,
            _one_line(subject),
            f"{_one_line(text)[: 900 - len(call) - 1]} {call}",
        ),
        language=language,
    )


# --- sent once ----------------------------------------------------------------------------------


class RequestKeyReused(ValidationError):
    """The request key already made a broadcast, of another request."""


@dataclass(frozen=True)
class Sent:
    """What ``submit_broadcast`` did: ``repeat`` is empty for a new broadcast; ``"window"`` when
    the same broadcast had gone out within ``REPEAT_WINDOW``, ``"key"`` when the request key had
    made it; ``broadcast`` is then that earlier one, and nothing was sent again."""

    broadcast: Broadcast
    repeat: str = ""


def request_hash(*, urgency, audience, subject, text, municipality_id, zone_id, geometry) -> str:
    """The fingerprint of a broadcast request, after the service's own clean-up of its text."""
    asked = {
        "urgency": urgency,
        "audience": audience,
        "subject": subject,
        "text": text,
        "municipality_id": municipality_id,
        "zone_id": zone_id,
        "geometry": geometry,
    }
    return hashlib.sha256(json.dumps(asked, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _earlier(actor, fingerprint: str, request_key: str, window: bool) -> Sent | None:
    """The broadcast this request already made, if any. Raises ``RequestKeyReused`` for a key
    that made another one."""
    now = timezone.now()
    mine = Broadcast.objects.filter(created_by=actor).order_by("-created_at", "-id")
    if request_key:
        earlier = mine.filter(request_key=request_key, created_at__range=(now - KEY_WINDOW, now + KEY_WINDOW)).first()
        if earlier is not None:
            if earlier.request_hash != fingerprint:
                raise RequestKeyReused(
                    _("This key was already used for another message. Use a new key for a new message.")
                )
            return Sent(earlier, repeat="key")
    if window:
        # Either side of now: the clocks of several web servers differ a little.
        earlier = mine.filter(
            request_hash=fingerprint, created_at__range=(now - REPEAT_WINDOW, now + REPEAT_WINDOW)
        ).first()
        if earlier is not None:
            return Sent(earlier, repeat="window")
    return None


def send_broadcast(**arguments) -> Broadcast:
    """``submit_broadcast``'s broadcast: the new one, or the one the same request already made."""
    return submit_broadcast(**arguments).broadcast


def submit_broadcast(
    *,
    actor,
    urgency: str,
    subject: str,
    text: str,
    municipality_id: int | None = None,
    zone_id: int | None = None,
    geometry: dict | None = None,
    audience: str = Broadcast.Audience.ADMINS,
    request_key: str = "",
    window: bool = True,
) -> Sent:
    """Send the broadcast once. ``request_key`` (at most ``MAX_KEY`` characters) answers the
    broadcast it made within ``KEY_WINDOW``; ``window`` answers the same request of the same
    sender within ``REPEAT_WINDOW`` (the API turns it off when the client sends its own key)."""
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
    if len(request_key) > MAX_KEY:
        raise ValueError("request_key is longer than MAX_KEY")
    fingerprint = request_hash(
        urgency=urgency, audience=audience, subject=subject[:200], text=text,
        municipality_id=municipality_id, zone_id=zone_id, geometry=geometry,
    )  # fmt: skip
    with transaction.atomic():
        # The sender's row is the lock: two identical requests at once make one broadcast, the
        # second finds the first. SQLite has no row locks: there the transaction itself begins by
        # taking the database's one write lock (transaction_mode IMMEDIATE, ADR 0018).
        list(get_user_model().objects.select_for_update().filter(pk=actor.pk).values_list("pk", flat=True))
        earlier = _earlier(actor, fingerprint, request_key, window)
        if earlier is not None:
            return earlier
        plan = plan_broadcast(
            actor,
            urgency=urgency,
            audience=audience,
            municipality_id=municipality_id,
            zone_id=zone_id,
            geometry=geometry,
        )
        if not plan.admins:
            raise ValidationError(_("No group admins in this scope."))
        broadcast = Broadcast.objects.create(
            scope=plan.scope,
            audience=audience,
            urgency=urgency,
            subject=subject[:200],
            text=text,
            created_by=account_of(actor),
            sender_name=actor.display_name[:160],
            request_hash=fingerprint,
            request_key=request_key,
            **_origin(actor, plan.scope, plan.fields),
            **plan.fields,
        )
        contents: dict = {}
        for user_id, role in plan.admins.items():
            # Each admin in their own language, with the police numbers of their group's country.
            language = language_of(role.user)
            numbers = police_numbers(role.group.municipality)
            if (language, numbers) not in contents:
                contents[language, numbers] = _admin_content(broadcast, language=language, numbers=numbers)
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
                _member_content(member, broadcast=broadcast, key=key),
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
    return Sent(broadcast)


# --- what the sender sees -----------------------------------------------------------------------


def broadcasts_for(user) -> QuerySet:
    """The broadcasts a user may look at: their own, and those to a scope they may send to
    themselves (their zone, a municipality within their reach); an operator, all. A drawn area
    is seen by its sender only. Group admins see none."""
    found = Broadcast.objects.select_related("created_by", "sender_zone", "sender_municipality", "zone", "municipality")
    if not getattr(user, "is_authenticated", False):
        return found.none()
    if user.is_superuser:
        return found
    reach = reach_municipality_ids(user) or set()
    return found.filter(
        Q(created_by=user)
        | Q(scope=Broadcast.Scope.ZONE, zone__in=PoliceZone.objects.filter(officers__user=user))
        | Q(scope=Broadcast.Scope.MUNICIPALITY, municipality_id__in=reach)
    )


def _latest(message: OutgoingMessage) -> tuple[OutgoingMessage, bool]:
    """The last message of a fallback chain, and whether any message of it may have reached the
    recipient twice (``possible_repeat``)."""
    flagged = message.possible_repeat
    seen = {message.pk}
    while True:
        nxt = message.fallbacks.order_by("id").first()
        if nxt is None or nxt.pk in seen:
            return message, flagged
        seen.add(nxt.pk)
        message = nxt
        flagged = flagged or message.possible_repeat


def admin_rows(broadcast: Broadcast) -> list[dict]:
    """The admins who got the broadcast, by name, with the state of their message."""
    rows = []
    recipients = broadcast.recipients.filter(kind=BroadcastRecipient.Kind.ADMIN).select_related("message")
    for r in recipients.order_by("name", "id"):
        message, flagged = _latest(r.message) if r.message else (None, False)
        rows.append(
            {
                "name": r.name,
                "channel": message.channel if message else (r.channel or None),
                "status": message.status if message else NO_CHANNEL,
                "not_before": message.next_attempt_at if message else None,
                "possible_repeat": flagged,
                "message": message,
            }
        )
    return rows


def member_states(broadcast: Broadcast) -> tuple[dict[str, int], int]:
    """How the members' messages stand, as counts per status (and "no_channel"), and how many of
    them may have arrived twice; no names."""
    message_ids = list(
        broadcast.recipients.filter(kind=BroadcastRecipient.Kind.MEMBER).values_list("message_id", flat=True)
    )
    counts: Counter = Counter(NO_CHANNEL for pk in message_ids if pk is None)
    states = _final_states([pk for pk in message_ids if pk is not None])
    counts.update(status for status, _flagged in states.values())
    return dict(counts), sum(1 for _status, flagged in states.values() if flagged)


def member_counts(broadcast: Broadcast) -> dict[str, int]:
    """How the members' messages stand, as counts per status (and "no_channel"); no names."""
    return member_states(broadcast)[0]


def delivery_summary(broadcast: Broadcast) -> dict:
    """Every recipient's message of the broadcast, admins and members together: counts per status
    (and "no_channel"), and how many may have arrived twice. A few queries per broadcast."""
    message_ids = list(broadcast.recipients.values_list("message_id", flat=True))
    counts: Counter = Counter(NO_CHANNEL for pk in message_ids if pk is None)
    states = _final_states([pk for pk in message_ids if pk is not None])
    counts.update(status for status, _flagged in states.values())
    return {
        "recipients": len(message_ids),
        "counts": dict(counts),
        "possible_repeats": sum(1 for _status, flagged in states.values() if flagged),
    }


def _final_states(message_ids: list[int]) -> dict[int, tuple[str, bool]]:
    """The status of the last message of each fallback chain, and whether any message of the
    chain may have arrived twice; a few queries for any number of messages (one per step of the
    longest chain)."""
    rows = list(OutgoingMessage.objects.filter(pk__in=message_ids).values_list("pk", "status", "possible_repeat"))
    status = {pk: state for pk, state, _flag in rows}
    flagged = {pk: flag for pk, _state, flag in rows}
    current = {pk: pk for pk in status}  # first message -> latest one
    frontier = set(status)
    seen = set(frontier)
    while frontier:
        later = (
            OutgoingMessage.objects.filter(replaces_id__in=frontier)
            .order_by("id")
            .values_list("pk", "replaces_id", "status", "possible_repeat")
        )
        step = {}
        for pk, replaces, state, flag in later:
            if replaces not in step and pk not in seen:
                step[replaces] = (pk, state, flag)
        frontier = set()
        for root, latest in current.items():
            if latest in step:
                pk, state, flag = step[latest]
                current[root], status[root] = pk, state
                flagged[root] = flagged[root] or flag
                frontier.add(pk)
                seen.add(pk)
    return {root: (status[root], flagged[root]) for root in current}


def find_by_stop_key(key: str) -> BroadcastRecipient | None:
    """The member recipient whose stop link this is; None for a wrong key."""
    if not key or len(key) > 100:
        return None
    return (
        BroadcastRecipient.objects.select_related("member", "member__group", "broadcast")
        .filter(kind=BroadcastRecipient.Kind.MEMBER, stop_key_hash=BroadcastRecipient.hash_key(key))
        .first()
    )
