"""Queueing and delivering outgoing messages.

``queue_email`` is called inside the transaction of the event that causes the message, so
the message exists exactly when the event does. Delivery happens after commit: the embedded
worker (and the Celery sweep) claims due rows in batches with one UPDATE … RETURNING
(``claim_batch``; FOR UPDATE SKIP LOCKED on PostgreSQL), sends them one by one and records the
successes in bulk (``deliver_batch``); in the Celery mode a task is also sent per row, which
claims that one row with a conditional UPDATE (``deliver``). Either way two workers never send
the same row at once.

The code lives by subject in ``preferences`` (channels, preferences, quiet hours), ``queueing``,
``delivery`` and ``workers``; this module is the entry point the other apps, the worker and the
tests use, and it keeps the batch loop (``deliver_batch``) with the ``_clock`` it reads, so a test
that replaces ``services._clock`` changes what the loop sees.
"""

from __future__ import annotations

import time

from .delivery import (
    GAVE_UP,
    RETRY_AFTER_MAX,
    RETRY_AFTER_MIN,
    SENDING_TIMEOUT,
    _Outcome,
    _record_sent,
    _require_message,
    _send,
    _unclaim,
    backoff,
    claim,
    claim_batch,
    deliver,
    release_abandoned,
    retry,
    retry_delay,
)
from .models import OutgoingMessage
from .preferences import (
    _address,
    _parse_quiet,
    channel_available,
    channels_for,
    default_quiet_until,
    preference_for,
    preferences_for,
    quiet_until,
)
from .queueing import (
    MEMBER_CHANNELS,
    NO_CHANNEL_LEFT,
    SEALED_TEXTS,
    Contact,
    Content,
    ForUser,
    _dispatch,
    _fallback_for_member,
    _on_next_channel,
    _queue,
    cancel_queued_for_member,
    contact_channels,
    fallback_to_next_channel,
    latest_attempt,
    latest_attempts,
    queue_email,
    queue_for_contact,
    queue_for_user,
    queue_many_for_users,
    queue_sms,
)
from .transports import PermanentError, TransientError, UncertainError
from .workers import beat, worker_name, worker_status

__all__ = [
    "BATCH",
    "GAVE_UP",
    "MEMBER_CHANNELS",
    "NO_CHANNEL_LEFT",
    "RECORD_EVERY",
    "RETRY_AFTER_MAX",
    "RETRY_AFTER_MIN",
    "SENDING_TIMEOUT",
    "Contact",
    "Content",
    "ForUser",
    "PermanentError",
    "TransientError",
    "UncertainError",
    "_Outcome",
    "_address",
    "_clock",
    "_dispatch",
    "_fallback_for_member",
    "_on_next_channel",
    "_parse_quiet",
    "_queue",
    "_record_sent",
    "_require_message",
    "_send",
    "_unclaim",
    "backoff",
    "beat",
    "cancel_queued_for_member",
    "channel_available",
    "channels_for",
    "claim",
    "claim_batch",
    "contact_channels",
    "default_quiet_until",
    "deliver",
    "deliver_batch",
    "deliver_due",
    "fallback_to_next_channel",
    "latest_attempt",
    "SEALED_TEXTS",
    "latest_attempts",
    "preference_for",
    "preferences_for",
    "queue_email",
    "queue_for_contact",
    "queue_for_user",
    "queue_many_for_users",
    "queue_sms",
    "quiet_until",
    "release_abandoned",
    "retry",
    "retry_delay",
    "worker_name",
    "worker_status",
]


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


# How many due messages one worker claims at once.
BATCH = 100


def deliver_due(worker: str, limit: int = BATCH) -> int:
    """One round: release dead workers' rows, then deliver what is due, in batches."""
    release_abandoned()
    return deliver_batch(worker, limit)
