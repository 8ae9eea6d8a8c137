"""Queueing and delivering outgoing messages.

``queue_email`` is called inside the transaction of the event that causes the message, so
the message exists exactly when the event does. Delivery happens after commit: the embedded
worker (and the Celery sweep) claims due rows in batches with one UPDATE … RETURNING
(``claim_batch``; FOR UPDATE SKIP LOCKED on PostgreSQL), sends them one by one and records the
successes in bulk (``deliver_batch``); in the Celery mode a task is also sent per row, which
claims that one row with a conditional UPDATE (``deliver``). Either way two workers never send
the same row at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from .models import DeliveryPreference, OutgoingMessage, WorkerHeartbeat
from .transports import TRANSPORTS, PermanentError, TransientError, UncertainError, transport_for

__all__ = ["PermanentError", "TransientError", "UncertainError"]

log = logging.getLogger(__name__)

# A row left in "sending" for longer than this belonged to a worker that died.
SENDING_TIMEOUT = timedelta(minutes=5)


def worker_name(kind: str) -> str:
    return f"{kind}@{socket.gethostname()}:{os.getpid()}"


def queue_email(
    *,
    to: str,
    subject: str,
    body: str,
    topic: str,
    dedupe_key: str,
    group_id: int | None = None,
    municipality_id: int | None = None,
) -> OutgoingMessage:
    """Queue one e-mail. The same ``dedupe_key`` twice gives back the first row."""
    existing = OutgoingMessage.objects.filter(dedupe_key=dedupe_key).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            message = OutgoingMessage.objects.create(
                channel=OutgoingMessage.Channel.EMAIL,
                recipient=to,
                subject=subject[:200],
                body=body,
                topic=topic,
                dedupe_key=dedupe_key,
                group_id=group_id,
                municipality_id=municipality_id,
            )
    except IntegrityError:
        return OutgoingMessage.objects.get(dedupe_key=dedupe_key)
    transaction.on_commit(lambda: _dispatch(message.pk))
    return message


def _dispatch(pk: int) -> None:
    if settings.BUURTWACHT_WORKER == "celery":
        from .tasks import deliver_message

        try:
            deliver_message.delay(pk)
        except Exception:  # the broker may be down; the periodic sweep still finds the row
            log.exception("could not hand message %s to Celery; it stays queued", pk)


def claim(pk: int, worker: str) -> bool:
    now = timezone.now()
    return (
        OutgoingMessage.objects.filter(pk=pk, status=OutgoingMessage.Status.QUEUED, next_attempt_at__lte=now).update(
            status=OutgoingMessage.Status.SENDING, claimed_at=now, claimed_by=worker, attempts=F("attempts") + 1
        )
        == 1
    )


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 6 * 3600))


@dataclass
class _Outcome:
    """What ``_send`` found out about one claimed message."""

    status: str
    provider_id: str = ""
    at: dt.datetime | None = None


def _send(message: OutgoingMessage) -> _Outcome:
    """Send one claimed message; a failure is recorded here at once (they are rare), a success is
    returned for the caller to record (alone or with its batch)."""
    pk = message.pk
    now = timezone.now()
    try:
        provider_id = transport_for(message.channel).send(message)
    except PermanentError as exc:
        error = str(exc)[:2000]
        with transaction.atomic():
            OutgoingMessage.objects.filter(pk=pk).update(status=OutgoingMessage.Status.FAILED, last_error=error)
            fallback_to_next_channel(message, error)
        log.warning("message %s failed permanently: %s", pk, exc)
        return _Outcome(OutgoingMessage.Status.FAILED)
    except TransientError as exc:
        final = message.attempts >= settings.BUURTWACHT_DELIVERY_MAX_ATTEMPTS
        extra = {"possible_repeat": True} if isinstance(exc, UncertainError) else {}
        status = OutgoingMessage.Status.FAILED if final else OutgoingMessage.Status.QUEUED
        OutgoingMessage.objects.filter(pk=pk).update(
            status=status, last_error=str(exc)[:2000], next_attempt_at=now + backoff(message.attempts), **extra
        )
        log.info("message %s: transient error, attempt %s: %s", pk, message.attempts, exc)
        return _Outcome(status)
    return _Outcome(OutgoingMessage.Status.SENT, provider_id[:200], now)


def _record_sent(sent: list[tuple[int, _Outcome]]) -> None:
    """Record successful sends: one statement run for all of them, in one transaction."""
    if not sent:
        return
    table = connection.ops.quote_name(OutgoingMessage._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value  # raw SQL: store datetimes as the ORM does
    params = [(OutgoingMessage.Status.SENT, adapt(outcome.at), outcome.provider_id, pk) for pk, outcome in sent]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET status = %s, sent_at = %s, provider_message_id = %s, last_error = '' "  # noqa: S608
            "WHERE id = %s",
            params,
        )


def deliver(pk: int, worker: str = "inline") -> str | None:
    """Claim and send one message; returns its new status, or None when another worker had it."""
    if not claim(pk, worker):
        return None
    outcome = _send(OutgoingMessage.objects.get(pk=pk))
    if outcome.status == OutgoingMessage.Status.SENT:
        OutgoingMessage.objects.filter(pk=pk).update(
            status=OutgoingMessage.Status.SENT,
            sent_at=outcome.at,
            provider_message_id=outcome.provider_id,
            last_error="",
        )
    return outcome.status


def claim_batch(worker: str, limit: int = 100) -> list[int]:
    """Claim up to ``limit`` due messages, oldest due first, in one statement; returns their ids.

    PostgreSQL: the due rows are picked ``FOR UPDATE SKIP LOCKED`` in a materialised CTE (so the
    LIMIT is applied once; an ``IN (subquery)`` may be rescanned and take more), and workers
    claiming at the same moment take disjoint rows instead of waiting for each other. SQLite runs
    one writer at a time, so its ``UPDATE … WHERE id IN (SELECT … LIMIT n)`` is atomic as it is."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())  # raw SQL: as the ORM stores it
    table = connection.ops.quote_name(OutgoingMessage._meta.db_table)
    queued, sending = OutgoingMessage.Status.QUEUED, OutgoingMessage.Status.SENDING
    due = f"SELECT id FROM {table} WHERE status = %s AND next_attempt_at <= %s ORDER BY next_attempt_at, id LIMIT %s"  # noqa: S608
    claim_set = "SET status = %s, claimed_at = %s, claimed_by = %s, attempts = attempts + 1"
    if connection.vendor == "postgresql":
        sql = (
            f"WITH due AS MATERIALIZED ({due} FOR UPDATE SKIP LOCKED) "
            f"UPDATE {table} AS m {claim_set} FROM due WHERE m.id = due.id RETURNING m.id"
        )
        params = [queued, now, limit, sending, now, worker[:120]]
    else:
        sql = f"UPDATE {table} {claim_set} WHERE id IN ({due}) RETURNING id"
        params = [sending, now, worker[:120], queued, now, limit]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(row[0] for row in cursor.fetchall())


def _unclaim(pks: list[int], worker: str) -> None:
    """Give claimed rows that were never tried back to the queue, as if never claimed."""
    if pks:
        OutgoingMessage.objects.filter(pk__in=pks, status=OutgoingMessage.Status.SENDING, claimed_by=worker).update(
            status=OutgoingMessage.Status.QUEUED, attempts=F("attempts") - 1, claimed_at=None, claimed_by=""
        )


# Successes are recorded at least this often while a batch is being sent, so a worker that dies
# mid-batch leaves few sent-but-unrecorded rows (those go out once more, marked possible_repeat).
RECORD_EVERY = 0.25
_clock = time.monotonic


def deliver_batch(worker: str, limit: int = 100) -> int:
    """Claim up to ``limit`` due messages at once, send them one by one (each transport keeps its
    throughput limit) and record the successes in bulk; returns how many were tried.

    A batch stops halfway through SENDING_TIMEOUT and gives the rest back: a row must never stay
    in "sending" long enough to be taken for a dead worker's while its worker is alive."""
    pks = claim_batch(worker, limit)
    if not pks:
        return 0
    found = OutgoingMessage.objects.in_bulk(pks)
    messages = sorted(found.values(), key=lambda m: (m.next_attempt_at, m.pk))
    started = last_record = _clock()
    sent: list[tuple[int, _Outcome]] = []
    tried = 0
    try:
        for message in messages:
            if _clock() - started > SENDING_TIMEOUT.total_seconds() / 2:
                break
            tried += 1
            outcome = _send(message)
            if outcome.status == OutgoingMessage.Status.SENT:
                sent.append((message.pk, outcome))
            if _clock() - last_record > RECORD_EVERY:
                _record_sent(sent)
                sent, last_record = [], _clock()
    finally:
        # Also after an unexpected error: what was sent is recorded and what was never tried goes
        # back to the queue; the message that raised stays "sending" and is released later.
        _record_sent(sent)
        _unclaim([m.pk for m in messages[tried:]], worker)
    return tried


def release_abandoned(now=None) -> int:
    """Put rows whose worker died mid-send back in the queue, marked as a possible repeat."""
    now = now or timezone.now()
    return OutgoingMessage.objects.filter(
        status=OutgoingMessage.Status.SENDING, claimed_at__lt=now - SENDING_TIMEOUT
    ).update(status=OutgoingMessage.Status.QUEUED, possible_repeat=True, next_attempt_at=timezone.now())


def due_ids(limit: int = 100) -> list[int]:
    return list(
        OutgoingMessage.objects.filter(status=OutgoingMessage.Status.QUEUED, next_attempt_at__lte=timezone.now())
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )


# How many due messages one worker claims at once.
BATCH = 100


def deliver_due(worker: str, limit: int = BATCH) -> int:
    """One round: release dead workers' rows, then deliver what is due, in batches."""
    release_abandoned()
    return deliver_batch(worker, limit)


def retry(message: OutgoingMessage, *, actor) -> bool:
    """Put a failed message back in the queue (from the sender's view)."""
    _require_message(actor, message)
    if message.member_id:
        from apps.members.services import alert_contact  # members sit above messaging

        if alert_contact(message.member_id) is None:
            return False  # the member left or stopped the alerts since
    updated = OutgoingMessage.objects.filter(pk=message.pk, status=OutgoingMessage.Status.FAILED).update(
        status=OutgoingMessage.Status.QUEUED, next_attempt_at=timezone.now(), last_error=""
    )
    if updated:
        transaction.on_commit(lambda: _dispatch(message.pk))
    return bool(updated)


def _require_message(actor, message: OutgoingMessage) -> None:
    from django.core.exceptions import PermissionDenied

    from apps.accounts.permissions import managed_groups, municipalities_for

    if actor is None:  # the system itself
        return
    if message.group_id and managed_groups(actor).filter(pk=message.group_id).exists():
        return
    if message.municipality_id and municipalities_for(actor).filter(pk=message.municipality_id).exists():
        return
    raise PermissionDenied


def beat(name: str, kind: str, processed: int = 0) -> None:
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(name=name).update(
        last_seen=now, processed=F("processed") + processed, kind=kind
    )
    if not updated:
        WorkerHeartbeat.objects.get_or_create(
            name=name, defaults={"kind": kind, "last_seen": now, "processed": processed}
        )


def worker_status(now=None) -> dict:
    now = now or timezone.now()
    latest = WorkerHeartbeat.objects.order_by("-last_seen").first()
    stale_after = timedelta(seconds=settings.BUURTWACHT_WORKER_STALE_AFTER)
    queued = OutgoingMessage.objects.filter(status=OutgoingMessage.Status.QUEUED).count()
    oldest_due = (
        OutgoingMessage.objects.filter(status=OutgoingMessage.Status.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    ok = latest is not None and now - latest.last_seen <= stale_after
    return {
        "ok": ok,
        "last_heartbeat": latest.last_seen.isoformat() if latest else None,
        "worker": latest.name if latest else None,
        "queued": queued,
        "oldest_due_seconds": int((now - oldest_due).total_seconds()) if oldest_due else 0,
    }


# --- channels, preferences, quiet hours ----------------------------------------------------------

NO_CHANNEL_LEFT = "no channel left"


def channel_available(channel: str) -> bool:
    transport = TRANSPORTS.get(channel)
    configured = getattr(transport, "configured", None)
    return transport is not None and (configured is None or configured())


def preferences_for(user_ids) -> dict[int, DeliveryPreference]:
    """Every user's preference at once (defaults for those without one)."""
    found = {p.user_id: p for p in DeliveryPreference.objects.filter(user_id__in=list(user_ids))}
    return {uid: found.get(uid) or DeliveryPreference(user_id=uid) for uid in user_ids}


def preference_for(user) -> DeliveryPreference:
    found = DeliveryPreference.objects.filter(user=user).first() if user is not None and user.pk else None
    return found or DeliveryPreference(user=user)


def _address(user, channel: str, preference: DeliveryPreference) -> str:
    if channel == OutgoingMessage.Channel.EMAIL:
        return user.email or ""
    if channel == OutgoingMessage.Channel.SMS:
        return user.phone or ""
    if channel == OutgoingMessage.Channel.WHATSAPP:
        return user.phone if (user.phone and preference.whatsapp_opt_in) else ""
    return ""


def channels_for(
    user, urgency: str, *, after: str | None = None, preference: DeliveryPreference | None = None
) -> list[tuple[str, str]]:
    """The (channel, address) pairs that can reach the user, best first. Red messages go by the
    user's preference (WhatsApp, SMS, e-mail by default); green ones by e-mail (the BIN practice),
    falling back to the user's other channels only when they have no e-mail address."""
    preference = preference or preference_for(user)
    order = preference.channel_list() or ["whatsapp", "sms", "email"]
    for channel in OutgoingMessage.Channel.values:  # every channel stays a last resort
        if channel not in order:
            order.append(channel)
    if urgency == OutgoingMessage.Urgency.GREEN:
        order = ["email"] + [c for c in order if c != "email"]
    if after is not None:
        order = order[order.index(after) + 1 :] if after in order else []
    pairs = []
    for channel in order:
        address = _address(user, channel, preference) if user is not None else ""
        if address and channel_available(channel):
            pairs.append((channel, address))
    return pairs


def _parse_quiet(text: str) -> tuple[dt.time, dt.time] | None:
    try:
        start, end = (dt.time.fromisoformat(part.strip()) for part in text.split("-", 1))
    except ValueError:
        return None
    return start, end


def quiet_until(user, now=None, preference: DeliveryPreference | None = None) -> dt.datetime | None:
    """When the user's quiet hours end, if ``now`` lies in them; else None."""
    now = timezone.localtime(now or timezone.now())
    preference = preference or preference_for(user)
    if preference.quiet_start and preference.quiet_end:
        start, end = preference.quiet_start, preference.quiet_end
    else:
        parsed = _parse_quiet(settings.BUURTWACHT_QUIET_HOURS)
        if parsed is None:
            return None
        start, end = parsed
    t = now.time()
    if start == end:
        return None
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = now.date() if t < end else now.date() + timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, end), now.tzinfo)


@dataclass
class Content:
    """What to say, in each channel's form."""

    subject: str
    body: str
    sms: str = ""
    template: str = ""
    template_params: tuple = ()
    language: str = "nl"


def queue_for_user(
    user,
    content: Content,
    *,
    urgency: str,
    topic: str,
    dedupe_key: str,
    group_id: int | None = None,
    municipality_id: int | None = None,
    preference: DeliveryPreference | None = None,
    fresh: bool = False,
) -> OutgoingMessage | None:
    """Queue one message to a staff member on their best channel; None when no channel can reach them.
    Green messages wait for the end of the recipient's quiet hours; red ones go now. ``preference``
    saves a query when the caller has it already."""
    preference = preference or preference_for(user)
    pairs = channels_for(user, urgency, preference=preference)
    if not pairs:
        return None
    channel, address = pairs[0]
    not_before = quiet_until(user, preference=preference) if urgency == OutgoingMessage.Urgency.GREEN else None
    return _queue(
        channel=channel,
        to=address,
        content=content,
        urgency=urgency,
        topic=topic,
        dedupe_key=dedupe_key,
        group_id=group_id,
        municipality_id=municipality_id,
        user_id=user.pk,
        not_before=not_before,
        fresh=fresh,
    )


def _queue(
    *,
    channel,
    to,
    content: Content,
    urgency,
    topic,
    dedupe_key,
    group_id,
    municipality_id,
    user_id,
    not_before=None,
    replaces=None,
    fresh=False,
    member_id=None,
) -> OutgoingMessage:
    # ``fresh``: the key names an event created in this transaction, so no row can have it yet
    # (the unique constraint still guards it).
    if not fresh:
        existing = OutgoingMessage.objects.filter(dedupe_key=dedupe_key).first()
        if existing:
            return existing
    body = content.sms or content.body if channel == OutgoingMessage.Channel.SMS else content.body
    try:
        with transaction.atomic():
            message = OutgoingMessage.objects.create(
                channel=channel,
                recipient=to,
                subject=content.subject[:200],
                body=body,
                short_body=content.sms,
                topic=topic,
                dedupe_key=dedupe_key,
                group_id=group_id,
                municipality_id=municipality_id,
                urgency=urgency,
                template=content.template if channel == OutgoingMessage.Channel.WHATSAPP else "",
                template_params=list(content.template_params) if channel == OutgoingMessage.Channel.WHATSAPP else [],
                language=content.language,
                user_id=user_id,
                member_id=member_id,
                replaces=replaces,
                next_attempt_at=not_before or timezone.now(),
            )
    except IntegrityError:
        return OutgoingMessage.objects.get(dedupe_key=dedupe_key)
    transaction.on_commit(lambda: _dispatch(message.pk))
    return message


def fallback_to_next_channel(message: OutgoingMessage, error: str) -> OutgoingMessage | None:
    """After a permanent failure, the same message on the recipient's next channel; when none is
    left, the failure says so (and shows in the sender's view)."""
    if message.member_id:
        return _fallback_for_member(message, error)
    if not message.user_id:
        return None
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=message.user_id, is_active=True).first()
    pairs = channels_for(user, message.urgency or OutgoingMessage.Urgency.RED, after=message.channel) if user else []
    body = message.body if message.channel != OutgoingMessage.Channel.SMS else ""
    return _on_next_channel(message, pairs, error, body=body)


def _on_next_channel(message: OutgoingMessage, pairs, error: str, *, body: str) -> OutgoingMessage | None:
    """The same message again on the first of ``pairs`` (channel, address), replacing ``message``;
    when there is none, the failure says so."""
    if not pairs:
        OutgoingMessage.objects.filter(pk=message.pk).update(last_error=f"{error} — {NO_CHANNEL_LEFT}"[:2000])
        return None
    channel, address = pairs[0]
    content = Content(
        subject=message.subject,
        body=body,
        sms=message.short_body,
        template=message.template,
        template_params=tuple(message.template_params or ()),
        language=message.language,
    )
    return _queue(
        channel=channel,
        to=address,
        content=content,
        urgency=message.urgency,
        topic=message.topic,
        dedupe_key=f"{message.dedupe_key[:100]}>{channel}",
        group_id=message.group_id,
        municipality_id=message.municipality_id,
        user_id=message.user_id,
        member_id=message.member_id,
        replaces=message,
    )


def latest_attempt(message: OutgoingMessage) -> OutgoingMessage:
    """The last message of a fallback chain (what the recipient is being reached with now)."""
    seen = {message.pk}
    while True:
        nxt = message.fallbacks.order_by("id").first()
        if nxt is None or nxt.pk in seen:
            return message
        seen.add(nxt.pk)
        message = nxt


# --- residents: members who agreed to alerts ----------------------------------------------------
#
# Members have no account and no DeliveryPreference. Their consent (the box on the application
# form) names SMS, WhatsApp and e-mail, so every configured channel may reach them. Red messages
# try WhatsApp first (members read the group's WhatsApp anyway), then SMS, then e-mail; green ones
# go by e-mail, and wait for the end of the deployment's quiet hours (BUURTWACHT_QUIET_HOURS,
# 22:00-07:00 by default, in TIME_ZONE).

MEMBER_CHANNELS = ("whatsapp", "sms", "email")


@dataclass(frozen=True)
class Contact:
    """A recipient without an account: where a member can be reached."""

    phone: str
    email: str
    member_id: int | None = None


def contact_channels(contact: Contact, urgency: str, *, after: str | None = None) -> list[tuple[str, str]]:
    """The (channel, address) pairs that can reach the contact, best first."""
    order = list(MEMBER_CHANNELS)
    if urgency == OutgoingMessage.Urgency.GREEN:
        order = ["email"] + [c for c in order if c != "email"]
    if after is not None:
        order = order[order.index(after) + 1 :] if after in order else []
    pairs = []
    for channel in order:
        address = contact.email if channel == OutgoingMessage.Channel.EMAIL else contact.phone
        if address and channel_available(channel):
            pairs.append((channel, address))
    return pairs


def default_quiet_until(now=None) -> dt.datetime | None:
    """When the deployment's quiet hours end, if ``now`` lies in them (for people without a
    preference of their own)."""
    return quiet_until(None, now, preference=DeliveryPreference())


def queue_for_contact(
    contact: Contact,
    content: Content,
    *,
    urgency: str,
    topic: str,
    dedupe_key: str,
    group_id: int | None = None,
    municipality_id: int | None = None,
    fresh: bool = False,
) -> OutgoingMessage | None:
    """Queue one message to a member on their best channel; None when no channel can reach them.
    Green messages wait for the end of the quiet hours; red ones go now."""
    pairs = contact_channels(contact, urgency)
    if not pairs:
        return None
    channel, address = pairs[0]
    not_before = default_quiet_until() if urgency == OutgoingMessage.Urgency.GREEN else None
    return _queue(
        channel=channel,
        to=address,
        content=content,
        urgency=urgency,
        topic=topic,
        dedupe_key=dedupe_key,
        group_id=group_id,
        municipality_id=municipality_id,
        user_id=None,
        member_id=contact.member_id,
        not_before=not_before,
        fresh=fresh,
    )


def _fallback_for_member(message: OutgoingMessage, error: str) -> OutgoingMessage | None:
    # Imported here: members sit above messaging. The member must still be current and still
    # agree to alerts, or nothing more is sent.
    from apps.members.services import alert_contact

    contact = alert_contact(message.member_id)
    pairs = (
        contact_channels(contact, message.urgency or OutgoingMessage.Urgency.RED, after=message.channel)
        if contact
        else []
    )
    # After an SMS, its short text (with the stop link) is the best body there is.
    return _on_next_channel(message, pairs, error, body=message.body)


def cancel_queued_for_member(member_id: int, *, topic_prefix: str, reason: str) -> int:
    """Messages to a member not yet sent (a green alert waiting for the morning) are not sent
    after the member withdrew; returns how many were cancelled."""
    return OutgoingMessage.objects.filter(
        member_id=member_id, status=OutgoingMessage.Status.QUEUED, topic__startswith=topic_prefix
    ).update(status=OutgoingMessage.Status.CANCELLED, last_error=reason[:2000])
