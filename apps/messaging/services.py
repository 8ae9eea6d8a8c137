"""Queueing and delivering outgoing messages.

``queue_email`` is called inside the transaction of the event that causes the message, so
the message exists exactly when the event does. Delivery happens after commit: the embedded
worker polls for due rows, and in the Celery mode a task is also sent per row. Both claim a
row with one conditional UPDATE, so two workers never send the same row at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
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


def deliver(pk: int, worker: str = "inline") -> str | None:
    """Claim and send one message; returns its new status, or None when another worker had it."""
    if not claim(pk, worker):
        return None
    message = OutgoingMessage.objects.get(pk=pk)
    now = timezone.now()
    try:
        provider_id = transport_for(message.channel).send(message)
    except PermanentError as exc:
        error = str(exc)[:2000]
        with transaction.atomic():
            OutgoingMessage.objects.filter(pk=pk).update(status=OutgoingMessage.Status.FAILED, last_error=error)
            fallback_to_next_channel(message, error)
        log.warning("message %s failed permanently: %s", pk, exc)
        return OutgoingMessage.Status.FAILED
    except TransientError as exc:
        final = message.attempts >= settings.BUURTWACHT_DELIVERY_MAX_ATTEMPTS
        extra = {"possible_repeat": True} if isinstance(exc, UncertainError) else {}
        OutgoingMessage.objects.filter(pk=pk).update(
            status=OutgoingMessage.Status.FAILED if final else OutgoingMessage.Status.QUEUED,
            last_error=str(exc)[:2000],
            next_attempt_at=now + backoff(message.attempts),
            **extra,
        )
        log.info("message %s: transient error, attempt %s: %s", pk, message.attempts, exc)
        return OutgoingMessage.Status.FAILED if final else OutgoingMessage.Status.QUEUED
    OutgoingMessage.objects.filter(pk=pk).update(
        status=OutgoingMessage.Status.SENT, sent_at=now, provider_message_id=provider_id[:200], last_error=""
    )
    return OutgoingMessage.Status.SENT


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


def deliver_due(worker: str, limit: int = 100) -> int:
    release_abandoned()
    sent = 0
    for pk in due_ids(limit):
        if deliver(pk, worker) is not None:
            sent += 1
    return sent


def retry(message: OutgoingMessage, *, actor) -> bool:
    """Put a failed message back in the queue (from the sender's view)."""
    _require_message(actor, message)
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
    if not message.user_id:
        return None
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=message.user_id, is_active=True).first()
    pairs = channels_for(user, message.urgency or OutgoingMessage.Urgency.RED, after=message.channel) if user else []
    if not pairs:
        OutgoingMessage.objects.filter(pk=message.pk).update(last_error=f"{error} — {NO_CHANNEL_LEFT}"[:2000])
        return None
    channel, address = pairs[0]
    content = Content(
        subject=message.subject,
        body=message.body if message.channel != OutgoingMessage.Channel.SMS else "",
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
