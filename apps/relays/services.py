"""Relaying an incident to the admins of nearby groups and to the police.

``preview`` computes who would receive it, writing nothing; ``send`` writes the relay, one
recipient row and one outgoing message per recipient in one transaction, so either all are
queued or none. Each message carries a secret acknowledgement link ("posted in my group").

Who may alert whom (ADR 0027, ``apps.incidents.reach``):

- a relay reaches only the groups of the areas its sender looks after (an admin's own groups'
  areas; a coordinator's municipality; the municipalities of a police zone) and of the areas
  stored as their neighbours, within at most the radius of the sender's role
  (``BUURTWACHT_RELAY_RADIUS_ADMIN_M``, ``_COORDINATOR_M``, ``_POLICE_M``); asking for more is
  refused and writes nothing;
- red (WhatsApp or SMS at once, also at night) goes out at once only from the coordinators of the
  incident's municipality, the police of its zone and operators; anyone else's red relay is held
  (stored, nothing sent) until one of them approves it, lowers it to green or refuses it
  (``decide``); green goes by e-mail after each recipient's quiet hours;
- a sender relays at most ``BUURTWACHT_RELAY_RATE`` (``limits``);
- every message names the sender by role and organisation as Buurtwacht knows them ("Admin of
  group X, municipality Y", "Police zone Z"), in the recipient's language, never by a display name.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache

import numpy as np
import shapely
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import get_script_prefix, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from shapely.geometry import Point, shape

from apps.areas.models import Area
from apps.areas.neighbours import neighbour_ids, to_metres
from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import PUBLIC, account_of
from apps.groups.languages import language_of, languages_of
from apps.groups.models import Group, GroupAdmin
from apps.incidents import profiling, reach
from apps.incidents.models import Incident
from apps.incidents.permissions import incidents_for
from apps.messaging.models import OutgoingMessage
from apps.messaging.services import (
    SEALED_TEXTS,
    Content,
    ForUser,
    channels_for,
    latest_attempts,
    preferences_for,
    queue_email,
    queue_many_for_users,
)
from apps.municipalities.models import Country, Municipality, PoliceZone

from . import limits
from .models import Relay, RelayRecipient

MIN_RADIUS_M = 100
MAX_RADIUS_M = 25_000
# The same relay asked for twice within this window (a double click, a client retrying) is one relay.
REPEAT_WINDOW = timedelta(seconds=60)


@dataclass
class Candidate:
    kind: str
    name: str
    channel: str
    address: str
    user_id: int | None = None
    zone_id: int | None = None
    group_ids: list[int] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"user:{self.user_id}" if self.user_id else f"zone:{self.zone_id}"


@dataclass
class Preview:
    scope: str
    radius_m: int | None
    groups: list[Group]
    recipients: list[Candidate]
    urgency: str = OutgoingMessage.Urgency.RED
    # Red from someone who may not send it at once: the relay waits for approval.
    needs_approval: bool = False


def _area_ids_within(lon: float, lat: float, radius_m: int) -> list[int]:
    # A generous box in degrees first (one degree of latitude is ~111 km), then exact metres.
    dlat = radius_m / 111_000 * 1.5
    dlon = radius_m / (111_000 * max(math.cos(math.radians(lat)), 0.1)) * 1.5
    rows = Area.objects.filter(
        min_lon__lte=lon + dlon, max_lon__gte=lon - dlon, min_lat__lte=lat + dlat, max_lat__gte=lat - dlat
    ).values_list("id", "geometry")
    rows = list(rows)
    if not rows:
        return []
    # All the areas projected in one call and measured at once: per area, the projection's set-up
    # cost more than the distance.
    areas = to_metres(np.array([shape(geometry) for _area_id, geometry in rows], dtype=object))
    near = shapely.distance(to_metres(Point(lon, lat)), areas) <= radius_m
    return [area_id for (area_id, _geometry), inside in zip(rows, near, strict=True) if inside]


def _check_scope(incident: Incident, scope: str, radius_m, sender_reach=None) -> tuple[str, int | None]:
    if scope == Relay.Scope.RADIUS:
        if not isinstance(radius_m, int) or isinstance(radius_m, bool):
            raise ValidationError({"radius_m": [_("Enter a whole number.")]})
        if not MIN_RADIUS_M <= radius_m <= MAX_RADIUS_M:
            raise ValidationError(
                {
                    "radius_m": [
                        _("Choose a radius between %(min)s and %(max)s metres.")
                        % {"min": MIN_RADIUS_M, "max": MAX_RADIUS_M}
                    ]
                }
            )
        cap = sender_reach.radius_m if sender_reach is not None else MAX_RADIUS_M
        if radius_m > cap:
            raise ValidationError(
                {"radius_m": [_("You may relay within at most %(max)s metres.") % {"max": cap}]},
                code="above_cap",
            )
        if not incident.has_point:
            raise ValidationError(
                {"radius_m": [_("The incident has no point on the map; relay to the neighbouring areas instead.")]}
            )
        return scope, radius_m
    if scope == Relay.Scope.NEIGHBOURS:
        if incident.area_id is None:
            raise ValidationError(
                {"scope": [_("The incident lies in no group's area; relay within a radius instead.")]}
            )
        return scope, None
    raise ValidationError({"scope": [_("Select a valid choice. That choice is not one of the available choices.")]})


def _check_urgency(urgency) -> str:
    if urgency not in OutgoingMessage.Urgency.values:
        raise ValidationError({"urgency": [_("Choose red (urgent) or green (informational).")]})
    return urgency


def default_urgency(sender, incident: Incident) -> str:
    """Without a choice: red for those who send red at once (the incident's coordinators and
    police, operators), green for everyone else, whose red would wait for approval."""
    if sender is None or reach.may_decide(sender, incident.municipality_id):
        return OutgoingMessage.Urgency.RED
    return OutgoingMessage.Urgency.GREEN


def preview(
    incident: Incident, *, scope: str, radius_m: int | None = None, sender=None, urgency: str | None = None
) -> Preview:
    """Who would receive the relay: the admins of the groups in the chosen areas that ``sender``
    may reach (the areas they look after and their neighbours, in either country; not the group
    it was reported in) and the police zones of those areas' municipalities. A radius above the
    sender's role's cap is refused. Writes nothing."""
    # What the sender looks after, read once for the radius cap and the areas.
    sender_reach = reach.reach_of(sender) if sender is not None else None
    scope, radius_m = _check_scope(incident, scope, radius_m, sender_reach)
    urgency = _check_urgency(urgency or default_urgency(sender, incident))
    if scope == Relay.Scope.RADIUS:
        area_ids = _area_ids_within(incident.lon, incident.lat, radius_m)
    else:
        area_ids = [incident.area_id, *neighbour_ids(incident.area_id)]
    allowed = reach.relay_area_ids(sender, known=sender_reach) if sender is not None else None
    if allowed is not None:
        area_ids = [area_id for area_id in area_ids if area_id in allowed]
    groups = list(
        Group.objects.filter(area_id__in=area_ids)
        .exclude(status=Group.Status.CLOSED)
        .exclude(pk=incident.group_id or 0)
        .select_related("area", "municipality")
        .order_by("municipality__name", "name")
    )
    by_user: dict[int, Candidate] = {}
    admins = (
        GroupAdmin.objects.filter(group__in=groups, user__is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user_id")
    )
    admins = list(admins)
    preferences = preferences_for({role.user_id for role in admins})
    for role in admins:
        if sender is not None and role.user_id == getattr(sender, "pk", None):
            continue
        user = role.user
        candidate = by_user.get(user.pk)
        if candidate is None:
            channels = channels_for(user, urgency, preference=preferences[user.pk])
            channel, address = channels[0] if channels else ("", "")
            candidate = by_user[user.pk] = Candidate(
                kind=RelayRecipient.Kind.ADMIN,
                name=user.display_name,
                channel=channel,
                address=address,
                user_id=user.pk,
            )
        candidate.group_ids.append(role.group_id)
    municipality_ids = {g.municipality_id for g in groups} | {incident.municipality_id}
    zones = PoliceZone.objects.filter(municipalities__in=municipality_ids).distinct().order_by("name")
    police = [
        Candidate(
            kind=RelayRecipient.Kind.POLICE,
            name=zone.name,
            channel="email" if zone.email else "",
            address=zone.email,
            zone_id=zone.pk,
        )
        for zone in zones
    ]
    needs_approval = (
        urgency == OutgoingMessage.Urgency.RED
        and sender is not None
        and not reach.may_decide(sender, incident.municipality_id)
    )
    return Preview(
        scope=scope,
        radius_m=radius_m,
        groups=groups,
        recipients=[*by_user.values(), *police],
        urgency=urgency,
        needs_approval=needs_approval,
    )


_KEY = "KEY0"


def ack_url(key: str) -> str:
    # Resolved once per script prefix, not once per recipient: the key is URL-safe as it is.
    return settings.BUURTWACHT_SITE_URL + _ack_path(get_script_prefix()).replace(_KEY, key)


@lru_cache(maxsize=8)
def _ack_path(_prefix: str) -> str:
    return reverse("relay_acknowledge", args=[_KEY])


def police_numbers(municipality: Municipality) -> tuple[str, str]:
    """(non-urgent, emergency): the police numbers people call in that municipality's country."""
    emergency = municipality.police_emergency_number
    return municipality.police_non_urgent_number or emergency, emergency


def police_line(numbers: tuple[str, str]) -> str:
    """The SAAR reminder with the recipient's own country's numbers, in the active language."""
    non_urgent, emergency = numbers
    return _("Seen something? Call the police first: %(non_urgent)s, or %(emergency)s when there is danger.") % {
        "non_urgent": non_urgent,
        "emergency": emergency,
    }


def zone_language(zone: PoliceZone | None) -> str:
    """The language a police zone is written to in: Dutch in the Netherlands; in Belgium the
    language of its first municipality (Flemish, Walloon or Brussels zones)."""
    if zone is None:
        return settings.LANGUAGE_CODE
    if zone.country == Country.NL:
        return "nl"
    municipality = zone.municipalities.order_by("name", "pk").only("language").first()
    return (municipality.language if municipality else "") or settings.LANGUAGE_CODE


def _subject(incident: Incident) -> str:
    return _("Relayed incident: %(category)s") % {"category": incident.get_category_display()}


def _body(incident: Incident, relay: Relay, key: str, kind: str, numbers: tuple[str, str] | None = None) -> str:
    lines = [
        _("%(sender)s passes on an incident from a neighbouring area.") % {"sender": reach.sender_label(relay.sender)},
        "",
        *incident.summary_lines(),
    ]
    if relay.note:
        lines += ["", relay.note]
    lines += ["", _("The police was called first (SAAR).")]
    if numbers is not None:
        lines.append(police_line(numbers))
    if kind == RelayRecipient.Kind.ADMIN:
        lines += [
            "",
            _("Posted it in your group? Let the sender know: %(url)s") % {"url": ack_url(key)},
            _("Describe behaviour and appearance, never origin."),
        ]
    else:
        lines += ["", _("Seen it? Let the sender know: %(url)s") % {"url": ack_url(key)}]
    return "\n".join(lines)


def _one_line(text: str) -> str:
    # WhatsApp template parameters may not hold new lines, tabs or runs of spaces.
    return " ".join(text.split())


def _content(
    incident: Incident, relay: Relay, key: str, *, language: str, numbers: tuple[str, str], cache: dict
) -> Content:
    """The message for one admin, in their language and with their country's police numbers;
    everything but the acknowledgement link is the same for all admins of one language and country."""
    cache_key = (language, numbers)
    if cache_key not in cache:
        with translation.override(language):
            cache[cache_key] = _content_for_key(incident, relay, "\x00KEY\x00", language, numbers)
    base = cache[cache_key]
    url, placeholder = ack_url(key), ack_url("\x00KEY\x00")
    return Content(
        subject=base.subject,
        body=base.body.replace(placeholder, url),
        sms=base.sms.replace(placeholder, url),
        template=base.template,
        template_params=tuple(p.replace(placeholder, url) for p in base.template_params),
        language=base.language,
    )


def _content_for_key(incident: Incident, relay: Relay, key: str, language: str, numbers: tuple[str, str]) -> Content:
    when = timezone.localtime(incident.occurred_at).strftime("%d-%m %H:%M")
    where = incident.address or (f"{incident.lat:.5f}, {incident.lon:.5f}" if incident.has_point else "")
    description = _one_line(" ".join(line for line in incident.summary_lines()[3:] if line))
    call = police_line(numbers)
    sender = _one_line(reach.sender_label(relay.sender))
    sms = "\n".join(
        [
            f"{sender}: {incident.get_category_display()} {when} {where}".strip(),
            description[:300],
            call,
            _("Posted it in your group? %(url)s") % {"url": ack_url(key)},
        ]
    )
    room = 900 - len(call) - 1
    whatsapp_text = f"{description[:room]} {call}" if description else call
    return Content(
        subject=_subject(incident),
        body=_body(incident, relay, key, RelayRecipient.Kind.ADMIN, numbers),
        sms=sms,
        template=settings.WHATSAPP_ALERT_TEMPLATE,
        template_params=(
            sender,
            _one_line(str(incident.get_category_display())),
            _one_line(f"{when} {where}"),
            whatsapp_text,
            ack_url(key),
        ),
        language=language,
    )


def send(
    *,
    actor,
    incident: Incident,
    scope: str,
    radius_m: int | None = None,
    note: str = "",
    note_confirmed: bool = False,
    urgency: str | None = None,
) -> Relay:
    """Relay the incident. Returns the relay: sent, with its recipients and messages, or held for
    approval (``Relay.Status.HELD``: nothing sent, no recipient rows) when the sender asked for red
    without being one who sends red at once (``reach.may_decide``).

    Refused, writing nothing: a sender who may not see the incident; a radius above the sender's
    cap (``reach``); a scope in which the sender reaches nobody; more relays than
    ``BUURTWACHT_RELAY_RATE``; a closed incident. A note naming origin, ethnicity or religion
    (``profiling``, with the municipality's own words) is refused until the sender confirms it
    (``note_confirmed``); the words kept are stored with the relay and in its audit event. The
    same request repeated within a minute returns the same relay."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    if not incidents_for(actor).filter(pk=incident.pk).exists():
        raise PermissionDenied
    note = (note or "").strip()
    if len(note) > 1000:
        raise ValidationError({"note": [_("Keep the note under 1000 characters.")]})
    kept = profiling.find_for(incident.municipality, [note]) if note else []
    if kept and not note_confirmed:
        raise ValidationError({"note": [profiling.reminder(kept)]})
    plan = preview(incident, scope=scope, radius_m=radius_m, sender=actor, urgency=urgency)
    if not plan.recipients:
        raise ValidationError(_("Nobody to relay to: no groups or police in this scope. Try a larger radius."))
    with transaction.atomic():
        # The incident's row is the lock: two identical requests at once make one relay. SQLite
        # has no row locks: there the transaction itself begins by taking the database's one
        # write lock, waiting for it (transaction_mode IMMEDIATE in settings, ADR 0018), so it
        # cannot read and then fail to write once a worker has recorded a delivery in between.
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if incident.status == Incident.Status.CLOSED:
            raise ValidationError(_("This incident is closed; it can no longer be relayed."))
        recent = Relay.objects.filter(
            incident=incident,
            created_by=account_of(actor),
            scope=plan.scope,
            radius_m=plan.radius_m,
            urgency=plan.urgency,
            created_at__gte=timezone.now() - REPEAT_WINDOW,
        ).first()
        if recent is not None:
            return recent
        limited = limits.limited(actor)
        if limited is not None:
            raise ValidationError(
                _("You have relayed many incidents in a short time. You can relay again from %(time)s.")
                % {"time": f"{limited:%H:%M}"},
                code="rate_limited",
            )
        relay = Relay.objects.create(
            incident=incident,
            scope=plan.scope,
            radius_m=plan.radius_m,
            note=note,
            note_profiling_words=kept,
            urgency=plan.urgency,
            status=Relay.Status.HELD if plan.needs_approval else Relay.Status.SENT,
            sender=reach.sender_of(actor, incident),
            created_by=account_of(actor),
        )
        extra = {"profiling_words_kept": kept} if kept else {}
        if plan.needs_approval:
            approvers = _ask_for_decision(relay, incident)
            record(
                actor,
                AuditEvent.Action.RELAY_HELD,
                relay,
                municipality_id=incident.municipality_id,
                group_id=incident.group_id,
                incident_id=incident.pk,
                scope=plan.scope,
                radius_m=plan.radius_m,
                urgency=plan.urgency,
                approvers_told=[user.pk for user in approvers],
                **extra,
            )
        else:
            _deliver(relay, plan, incident)
            record(
                actor,
                AuditEvent.Action.RELAY_SENT,
                relay,
                municipality_id=incident.municipality_id,
                group_id=incident.group_id,
                incident_id=incident.pk,
                scope=plan.scope,
                radius_m=plan.radius_m,
                urgency=plan.urgency,
                recipients=len(plan.recipients),
                groups=len(plan.groups),
                **extra,
            )
        limits.count(actor)
    return relay


def approvers_of(incident: Incident) -> list:
    """Who decides on a held red relay about ``incident`` and is told it waits: the active
    coordinators of its municipality and police officers of its zone (ADR 0027), each once."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    return list(
        User.objects.filter(is_active=True)
        .filter(
            Q(coordinator_roles__municipality_id=incident.municipality_id)
            | Q(police_roles__zone__municipalities=incident.municipality_id)
        )
        .distinct()
        .order_by("pk")
    )


def _ask_for_decision(relay: Relay, incident: Incident) -> list:
    """An e-mail to each approver with an address, in their own language, with the link to the
    desk page where they approve, lower or refuse the relay; in the caller's transaction. Sent at
    once, whatever the quiet hours: the relay was meant to be urgent. Returns those told."""
    url = settings.BUURTWACHT_SITE_URL + reverse("relays:detail", args=[relay.pk])
    told = []
    for user in approvers_of(incident):
        if not user.email or user.pk == relay.created_by_id:
            continue
        language = language_of(user)
        with translation.override(language):
            subject = _("A red relay waits for your decision: %(category)s") % {
                "category": incident.get_category_display()
            }
            body = "\n".join(
                [
                    _("%(sender)s asks to relay an incident in %(municipality)s as red (urgent).")
                    % {"sender": reach.sender_label(relay.sender), "municipality": incident.municipality.name},
                    _("Nothing is sent until a coordinator of the municipality or the police of the zone decides."),
                    "",
                    *incident.summary_lines(),
                    *(["", relay.note] if relay.note else []),
                    "",
                    _("Approve it, send it green or refuse it on the desk: %(url)s") % {"url": url},
                ]
            )
        queue_email(
            to=user.email,
            subject=subject,
            body=body,
            topic="relay.held",
            dedupe_key=f"relay:{relay.pk}:held:{user.pk}",
            group_id=incident.group_id,
            municipality_id=incident.municipality_id,
            language=language,
        )
        told.append(user)
    return told


DECISIONS = {
    "approve": (Relay.Status.APPROVED, OutgoingMessage.Urgency.RED, AuditEvent.Action.RELAY_APPROVED),
    "lower": (Relay.Status.LOWERED, OutgoingMessage.Urgency.GREEN, AuditEvent.Action.RELAY_LOWERED),
    "refuse": (Relay.Status.REFUSED, None, AuditEvent.Action.RELAY_REFUSED),
}


def held_relays_for(user):
    """Red relays waiting for ``user``'s decision: of the municipalities they coordinate or police."""
    municipality_ids = reach.deciders_municipality_ids(user)
    held = Relay.objects.filter(status=Relay.Status.HELD)
    if municipality_ids is not None:
        held = held.filter(incident__municipality_id__in=municipality_ids)
    return held


def decide(*, actor, relay: Relay, decision: str) -> Relay:
    """A coordinator of the incident's municipality, its police or an operator decides on a held
    red relay: ``approve`` sends it red, ``lower`` sends it green, ``refuse`` sends nothing. The
    recipients are those the original sender reaches now (their areas and neighbours, their cap).
    Anyone else is refused (PermissionDenied); a relay no longer waiting, or one about a closed
    incident (except to refuse it), is refused with a ValidationError; nothing changes then."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    if decision not in DECISIONS:
        raise ValidationError({"decision": [_("Choose: approve, lower to green or refuse.")]})
    if not reach.may_decide(actor, relay.incident.municipality_id):
        raise PermissionDenied
    status, urgency, action = DECISIONS[decision]
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=relay.incident_id)
        locked = Relay.objects.select_for_update(of=("self",)).select_related("created_by").get(pk=relay.pk)
        if locked.status != Relay.Status.HELD:
            raise ValidationError(_("This relay is no longer waiting for a decision."), code="decided")
        plan = None
        if urgency is not None:
            if incident.status == Incident.Status.CLOSED:
                raise ValidationError(_("This incident is closed; it can no longer be relayed."))
            sender = locked.created_by
            if sender is None or not sender.is_active:
                raise ValidationError(_("The sender's account no longer exists; refuse this relay."))
            plan = preview(incident, scope=locked.scope, radius_m=locked.radius_m, sender=sender, urgency=urgency)
            if not plan.recipients:
                raise ValidationError(_("Nobody to relay to: no groups or police in this scope. Try a larger radius."))
        locked.status = status
        locked.urgency = urgency or locked.urgency
        locked.decided_by = account_of(actor)
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "urgency", "decided_by", "decided_at"])
        if plan is not None:
            _deliver(locked, plan, incident)
        record(
            actor,
            action,
            locked,
            municipality_id=incident.municipality_id,
            group_id=incident.group_id,
            incident_id=incident.pk,
            urgency=locked.urgency,
            **({"recipients": len(plan.recipients), "groups": len(plan.groups)} if plan is not None else {}),
        )
    return locked


def _deliver(relay: Relay, plan: Preview, incident: Incident) -> None:
    """One recipient row and one message per recipient of ``plan``, in the caller's transaction."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.in_bulk([c.user_id for c in plan.recipients if c.user_id])
    preferences = preferences_for(list(users))
    languages = languages_of(users.values())
    zones = PoliceZone.objects.in_bulk([c.zone_id for c in plan.recipients if c.zone_id])
    groups_by_id = {g.pk: g for g in plan.groups}
    # The admins' messages in one insert, then the recipient rows with their messages in one more,
    # then their groups: a relay to a hundred admins is one click (docs/benchmarks.md).
    keys = [secrets.token_urlsafe(32) for _candidate in plan.recipients]
    languages_by = [languages[c.user_id] if c.user_id else zone_language(zones.get(c.zone_id)) for c in plan.recipients]
    messages: list[OutgoingMessage | None] = [None] * len(plan.recipients)
    content_cache: dict = {}
    to_admins: list[ForUser] = []
    admins_at: list[int] = []
    for i, (candidate, key, language) in enumerate(zip(plan.recipients, keys, languages_by, strict=True)):
        if candidate.kind == RelayRecipient.Kind.ADMIN and candidate.channel:
            # The admin's own language; the police numbers of the country of their group.
            numbers = police_numbers(groups_by_id[candidate.group_ids[0]].municipality)
            to_admins.append(
                ForUser(
                    users[candidate.user_id],
                    _content(incident, relay, key, language=language, numbers=numbers, cache=content_cache),
                    dedupe_key=f"relay:{relay.pk}:{candidate.key}",
                    group_id=candidate.group_ids[0],
                    municipality_id=incident.municipality_id,
                    preference=preferences[candidate.user_id],
                )
            )
            admins_at.append(i)
    queued = queue_many_for_users(to_admins, urgency=relay.urgency, topic="relay", fresh=True)
    for i, message in zip(admins_at, queued, strict=True):
        messages[i] = message
    for i, (candidate, key, language) in enumerate(zip(plan.recipients, keys, languages_by, strict=True)):
        if candidate.kind != RelayRecipient.Kind.ADMIN and candidate.channel:
            with translation.override(language):
                subject = _subject(incident)
                body = _body(incident, relay, key, candidate.kind)
            messages[i] = queue_email(
                to=candidate.address,
                subject=subject,
                body=body,
                topic="relay",
                dedupe_key=f"relay:{relay.pk}:{candidate.key}",
                municipality_id=incident.municipality_id,
            )
    recipients = RelayRecipient.objects.bulk_create(
        [
            RelayRecipient(
                relay=relay,
                kind=candidate.kind,
                user_id=candidate.user_id,
                zone_id=candidate.zone_id,
                name=candidate.name[:160],
                message=message,
                channel=message.channel if message is not None else candidate.channel,
                address=message.recipient if message is not None else candidate.address,
                ack_key_hash=RelayRecipient.hash_key(key),
                language=language,
            )
            for candidate, key, language, message in zip(plan.recipients, keys, languages_by, messages, strict=True)
        ]
    )
    RelayRecipient.groups.through.objects.bulk_create(
        [
            RelayRecipient.groups.through(relayrecipient_id=recipient.pk, group_id=gid)
            for candidate, recipient in zip(plan.recipients, recipients, strict=True)
            for gid in candidate.group_ids
        ]
    )


def find_by_key(key: str) -> RelayRecipient | None:
    if not key or len(key) > 100:
        return None
    return (
        RelayRecipient.objects.select_related("relay", "relay__incident", "relay__incident__municipality")
        .filter(ack_key_hash=RelayRecipient.hash_key(key))
        .first()
    )


def link_expires_at(recipient: RelayRecipient):
    """When the recipient's secret link stops working: ``BUURTWACHT_RELAY_LINK_DAYS`` after the relay."""
    return recipient.relay.created_at + timedelta(days=settings.BUURTWACHT_RELAY_LINK_DAYS)


def link_is_valid(recipient: RelayRecipient) -> bool:
    """The link shows the incident while it is open and the relay is recent; then it expires."""
    if recipient.relay.incident.status == Incident.Status.CLOSED:
        return False
    return timezone.now() < link_expires_at(recipient)


def attachment_for_key(key: str, attachment_id: int):
    """An attachment of the relayed incident, for the holder of a valid link; None otherwise."""
    recipient = find_by_key(key)
    if recipient is None or not link_is_valid(recipient):
        return None
    return recipient.relay.incident.attachments.filter(pk=attachment_id).first()


def acknowledge(recipient: RelayRecipient) -> bool:
    """Mark "posted in my group"; True the first time. An expired link acknowledges nothing."""
    if not link_is_valid(recipient):
        raise ValidationError(_("This link has expired."))
    with transaction.atomic():
        updated = RelayRecipient.objects.filter(pk=recipient.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=timezone.now()
        )
        if updated:
            record(
                PUBLIC,
                AuditEvent.Action.RELAY_ACKNOWLEDGED,
                recipient.relay,
                municipality_id=recipient.relay.incident.municipality_id,
                group_id=recipient.relay.incident.group_id,
                recipient_id=recipient.pk,
            )
    return bool(updated)


def status_rows(relay: Relay) -> list[dict]:
    """Each recipient with channel, delivery status, attempts, last error and acknowledgement."""
    rows = []
    # The messages without their texts: a status shows none of them, and each would be unsealed.
    recipients = list(
        relay.recipients.select_related("message")
        .defer(*(f"message__{name}" for name in SEALED_TEXTS))
        .prefetch_related("groups")
        .order_by("kind", "name", "id")
    )
    latest = latest_attempts([r.message for r in recipients if r.message])
    for r in recipients:
        message = latest[r.message_id] if r.message else None
        rows.append(
            {
                "id": r.pk,
                "kind": r.kind,
                "name": r.name,
                "groups": [{"id": g.pk, "name": g.name} for g in r.groups.all()],
                "channel": (message.channel if message else r.channel) or None,
                "status": message.status if message else "no_channel",
                "sent_at": message.sent_at if message else None,
                "provider_message_id": message.provider_message_id if message else "",
                "attempts": message.attempts if message else 0,
                "last_error": message.last_error if message else _("No channel left: no e-mail address or phone."),
                "possible_repeat": bool(message and message.possible_repeat),
                "message_id": message.pk if message else None,
                "acknowledged_at": r.acknowledged_at,
            }
        )
    return rows
