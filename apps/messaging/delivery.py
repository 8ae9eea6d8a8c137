"""Delivering queued messages: claiming rows (one by one or in batches), sending them, recording
the outcome, retrying and releasing rows a dead worker left behind."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.core.actors import is_system, require_actor

from .hooks import may_act_on, member_contact
from .models import OutgoingMessage
from .queueing import _dispatch, fallback_to_next_channel
from .sealing import UNREADABLE, links_removed
from .transports import PermanentError, TransientError, UncertainError, transport_for, with_repeat_notice

log = logging.getLogger(__name__)


# A row left in "sending" for longer than this belonged to a worker that died.
SENDING_TIMEOUT = timedelta(minutes=5)


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


# A provider's Retry-After is followed, within these bounds. Never sooner than the first step of
# the back-off (a "Retry-After: 0" must not turn the worker into a tight loop against a gateway
# that is refusing it), and never later than RETRY_AFTER_MAX: an alert parked for longer has lost
# most of its use; after the cap the row is tried again, and a provider that still refuses it
# spends its attempts, after which it goes to the recipient's next channel. The cap also bounds a
# wrong or hostile header (a day, a date years ahead, a clock far off).
RETRY_AFTER_MIN = backoff(1)
RETRY_AFTER_MAX = timedelta(minutes=15)


def retry_delay(attempts: int, retry_after: float | None) -> timedelta:
    """How long to wait before the next attempt: the provider's Retry-After (seconds) within
    [RETRY_AFTER_MIN, RETRY_AFTER_MAX] when it gave one, else the exponential back-off."""
    if retry_after is None:
        return backoff(attempts)
    seconds = min(max(retry_after, RETRY_AFTER_MIN.total_seconds()), RETRY_AFTER_MAX.total_seconds())
    return timedelta(seconds=seconds)


@dataclass
class _Outcome:
    """What ``_send`` found out about one claimed message."""

    status: str
    provider_id: str = ""
    at: dt.datetime | None = None
    # Once sent: the message's texts without their secret links (``sealing.links_removed``).
    texts: dict = field(default_factory=dict)


def _send(message: OutgoingMessage) -> _Outcome:
    """Send one claimed message; a failure is recorded here at once (they are rare), a success is
    returned for the caller to record (alone or with its batch)."""
    pk = message.pk
    now = timezone.now()
    try:
        if UNREADABLE in (message.body, message.short_body) or UNREADABLE in (message.template_params or []):
            raise PermanentError("its text was sealed with a key that is no longer configured")
        # A possible repeat tells its recipient so; the row keeps its own text for what follows.
        outgoing = with_repeat_notice(message) if message.possible_repeat else message
        provider_id = transport_for(message.channel).send(outgoing)
    except PermanentError as exc:
        _fail(message, str(exc))
        log.warning("message %s failed permanently: %s", pk, exc)
        return _Outcome(OutgoingMessage.Status.FAILED)
    except TransientError as exc:
        # The provider may have it (UncertainError): whatever goes next is a possible repeat.
        extra = {"possible_repeat": True} if isinstance(exc, UncertainError) else {}
        if message.attempts >= settings.BUURTWACHT_DELIVERY_MAX_ATTEMPTS:
            # Out of attempts: as final as a permanent error, so it goes on the next channel too.
            _fail(message, f"{exc} — {GAVE_UP.format(attempts=message.attempts)}", **extra)
            log.warning("message %s failed after %s attempts: %s", pk, message.attempts, exc)
            return _Outcome(OutgoingMessage.Status.FAILED)
        OutgoingMessage.objects.filter(pk=pk).update(
            status=OutgoingMessage.Status.QUEUED,
            last_error=str(exc)[:2000],
            next_attempt_at=now + retry_delay(message.attempts, exc.retry_after),
            **extra,
        )
        log.info("message %s: transient error, attempt %s: %s", pk, message.attempts, exc)
        return _Outcome(OutgoingMessage.Status.QUEUED)
    return _Outcome(OutgoingMessage.Status.SENT, provider_id[:200], now, _texts_once_sent(message))


# The sealed columns a send rewrites, in the order of ``_record_sent``'s statement.
_TEXTS = ("body", "short_body", "template_params", "links_removed_at")


def _texts_once_sent(message: OutgoingMessage) -> dict:
    """The texts a sent message keeps: without their secret links, or (for the dev mailbox) as
    they were."""
    removed = links_removed(message)
    if removed:
        return removed
    return {
        "body": message.body,
        "short_body": message.short_body,
        "template_params": message.template_params,
        "links_removed_at": None,
    }


# Added to the last error of a message whose transient errors ran out of attempts.
GAVE_UP = "gave up after {attempts} attempts"


def _fail(message: OutgoingMessage, error: str, **extra) -> None:
    """Mark a message failed for good and queue it on the recipient's next channel, in one
    transaction (when none is left, ``fallback_to_next_channel`` says so in its last error)."""
    error = error[:2000]
    with transaction.atomic():
        OutgoingMessage.objects.filter(pk=message.pk).update(
            status=OutgoingMessage.Status.FAILED, last_error=error, **extra
        )
        if fallback_to_next_channel(message, error) is not None:
            # The next channel's row carries the text (sealed) on; this one no longer needs its links.
            OutgoingMessage.objects.filter(pk=message.pk).update(**links_removed(message))


def _record_sent(sent: list[tuple[int, _Outcome]]) -> None:
    """Record successful sends, with their texts without secret links: one statement run for all
    of them, in one transaction."""
    if not sent:
        return
    meta = OutgoingMessage._meta
    table = connection.ops.quote_name(meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value  # raw SQL: store datetimes as the ORM does
    fields = [meta.get_field(name) for name in _TEXTS]
    params = [
        (
            OutgoingMessage.Status.SENT,
            adapt(outcome.at),
            outcome.provider_id,
            *(f.get_db_prep_save(outcome.texts[f.name], connection) for f in fields),
            pk,
        )
        for pk, outcome in sent
    ]
    texts = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET status = %s, sent_at = %s, provider_message_id = %s, last_error = '', "  # noqa: S608
            f"{texts} WHERE id = %s",
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
            **outcome.texts,
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


def release_abandoned(now=None) -> int:
    """Put rows whose worker died mid-send back in the queue, marked as a possible repeat."""
    now = now or timezone.now()
    return OutgoingMessage.objects.filter(
        status=OutgoingMessage.Status.SENDING, claimed_at__lt=now - SENDING_TIMEOUT
    ).update(status=OutgoingMessage.Status.QUEUED, possible_repeat=True, next_attempt_at=timezone.now())


def retry(message: OutgoingMessage, *, actor) -> bool:
    """Put a failed message back in the queue (from the sender's view)."""
    _require_message(actor, message)
    if message.member_id and member_contact(message.member_id) is None:
        return False  # the member left or stopped the alerts since
    if message.links_removed_at is not None:
        return False  # its next channel's message carries it on; its own links are gone
    updated = OutgoingMessage.objects.filter(
        pk=message.pk, status=OutgoingMessage.Status.FAILED, links_removed_at__isnull=True
    ).update(status=OutgoingMessage.Status.QUEUED, next_attempt_at=timezone.now(), last_error="")
    if updated:
        transaction.on_commit(lambda: _dispatch(message.pk))
    return bool(updated)


def _require_message(actor, message: OutgoingMessage) -> None:
    """Who may act on a message is the business of the apps above (``hooks.message_access``)."""
    require_actor(actor)
    if is_system(actor):
        return
    if not may_act_on(actor, message):
        raise PermissionDenied
