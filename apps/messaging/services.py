"""Queueing and delivering outgoing messages.

``queue_email`` is called inside the transaction of the event that causes the message, so
the message exists exactly when the event does. Delivery happens after commit: the embedded
worker polls for due rows, and in the Celery mode a task is also sent per row. Both claim a
row with one conditional UPDATE, so two workers never send the same row at once.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import OutgoingMessage, WorkerHeartbeat
from .transports import PermanentError, TransientError, transport_for

__all__ = ["PermanentError", "TransientError"]

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
        OutgoingMessage.objects.filter(pk=pk).update(status=OutgoingMessage.Status.FAILED, last_error=str(exc)[:2000])
        log.warning("message %s failed permanently: %s", pk, exc)
        return OutgoingMessage.Status.FAILED
    except TransientError as exc:
        final = message.attempts >= settings.BUURTWACHT_DELIVERY_MAX_ATTEMPTS
        OutgoingMessage.objects.filter(pk=pk).update(
            status=OutgoingMessage.Status.FAILED if final else OutgoingMessage.Status.QUEUED,
            last_error=str(exc)[:2000],
            next_attempt_at=now + backoff(message.attempts),
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
