"""Workers: names, heartbeats, which worker is alive and how the queue looks (for /healthz and the
desk), the embedded worker's deliveries per channel, and handing a gone worker's rows back.

Who is alive. A worker beats (``beat``) from its main thread every round (a second), whatever its
deliveries are doing; its deliveries run in threads of their own. A worker is known to be gone
when its heartbeat says stopped (``mark_stopped``: its own clean stop, or ``serve`` seeing the
process it supervises exit, at once) or is older than ``BUURTWACHT_WORKER_STALE_AFTER`` (a worker
killed with nobody watching). ``/healthz`` answers 200 only while a heartbeat is neither.

Handing rows back. A row claimed by a worker known to be gone goes back to the queue at once
(``release_gone_workers``, each round of every embedded worker), not after the five minutes of
``delivery.release_abandoned``. What it becomes depends on whether its send had started
(``queueing.mark_sending``, just before the transport): not started, it never left and goes back
as if never claimed (no "possible repeat", its attempt not counted); started, it may have reached
the provider and goes back marked ``possible_repeat``. A worker that was only taken for gone
(a long pause) finds its rows no longer its own when it comes to them, and does not send them
(``mark_sending`` refuses), so the row has one sender.

Only rows of ``embedded`` workers are handed back early: their claims (``claim_channel_batch``)
clear ``send_started_at`` and their sends mark it, so an unmarked row is known not to have left.
Celery workers claim through ``delivery`` and beat from whichever process runs the beat task, so
neither holds for them yet; their rows keep ``release_abandoned``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext

from . import delivery, sealing
from .models import OutgoingMessage, WorkerHeartbeat
from .queueing import hand_back, mark_sending

log = logging.getLogger(__name__)

# Kinds of worker whose rows are handed back as soon as the worker is known to be gone.
HANDBACK_KINDS = ("embedded",)
# How many due messages of one channel a delivery thread claims at once.
BATCH = 100
# Successes are recorded at least this often while a batch is being sent.
RECORD_EVERY = 0.25
# A batch stops after this long and gives the rest back: a row must never stay in "sending"
# long enough to be taken for a dead worker's by ``release_abandoned`` while its worker is alive.
BATCH_TIME = delivery.SENDING_TIMEOUT.total_seconds() / 2
# Heartbeats of workers gone this long are deleted when a worker starts.
FORGET_AFTER = timedelta(days=7)
_clock = time.monotonic


def worker_name(kind: str, pid: int | None = None) -> str:
    """The worker's name, also its claims' ``claimed_by``; ``pid`` names another process on this
    machine (``serve`` naming the worker it started)."""
    return f"{kind}@{socket.gethostname()}:{os.getpid() if pid is None else pid}"


def beat(name: str, kind: str, processed: int = 0) -> None:
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(name=name).update(
        last_seen=now, processed=F("processed") + processed, kind=kind, stopped_at=None
    )
    if not updated:
        WorkerHeartbeat.objects.get_or_create(
            name=name, defaults={"kind": kind, "last_seen": now, "processed": processed}
        )


def mark_stopped(name: str) -> bool:
    """The worker is gone: /healthz says so at once and its rows go back to the queue."""
    return bool(WorkerHeartbeat.objects.filter(name=name).update(stopped_at=timezone.now()))


def forget_old_heartbeats(now: datetime | None = None) -> int:
    now = now or timezone.now()
    return WorkerHeartbeat.objects.filter(last_seen__lt=now - FORGET_AFTER).delete()[0]


def _stale_before(now: datetime) -> datetime:
    return now - timedelta(seconds=settings.BUURTWACHT_WORKER_STALE_AFTER)


def gone_workers(now: datetime | None = None):
    """Heartbeats of the workers known to be gone whose rows are handed back early."""
    now = now or timezone.now()
    return WorkerHeartbeat.objects.filter(kind__in=HANDBACK_KINDS).filter(
        Q(stopped_at__isnull=False) | Q(last_seen__lt=_stale_before(now))
    )


def warm_up() -> None:
    """Load what a worker's first send would otherwise load while an alert waits: the site's URL
    patterns, which each send reads to take the secret links out of the text it keeps
    (``sealing.links_removed``) and whose first use imports every app's views (0.3 to 0.8 s on
    2 CPUs), and the translations of the site's languages (the "[link removed]" marker). A worker
    runs it when it starts, before it claims anything."""
    sealing.secret_links(settings.BUURTWACHT_SITE_URL + "/")
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            gettext("[link removed]")


# --- claiming, sending, handing back ---------------------------------------------------------


def claim_channel_batch(worker: str, channel: str, limit: int = BATCH) -> list[int]:
    """Claim up to ``limit`` due messages of one channel, oldest due first, in one statement;
    returns their ids. As ``delivery.claim_batch`` (SKIP LOCKED on PostgreSQL; one writer at a
    time on SQLite), for one channel, and clearing ``send_started_at``: the claim starts with
    nothing sent."""
    moment = timezone.now()
    due_now = OutgoingMessage.objects.filter(
        status=OutgoingMessage.Status.QUEUED, channel=channel, next_attempt_at__lte=moment
    )
    if not due_now.exists():  # the usual answer, without taking SQLite's write lock every second
        return []
    now = connection.ops.adapt_datetimefield_value(moment)  # raw SQL: as the ORM stores it
    table = connection.ops.quote_name(OutgoingMessage._meta.db_table)
    queued, sending = OutgoingMessage.Status.QUEUED, OutgoingMessage.Status.SENDING
    due = (
        f"SELECT id FROM {table} WHERE status = %s AND channel = %s AND next_attempt_at <= %s "  # noqa: S608
        "ORDER BY next_attempt_at, id LIMIT %s"
    )
    claim_set = "SET status = %s, claimed_at = %s, claimed_by = %s, attempts = attempts + 1, send_started_at = NULL"
    if connection.vendor == "postgresql":
        sql = (
            f"WITH due AS MATERIALIZED ({due} FOR UPDATE SKIP LOCKED) "
            f"UPDATE {table} AS m {claim_set} FROM due WHERE m.id = due.id RETURNING m.id"
        )
        params = [queued, channel, now, limit, sending, now, worker[:120]]
    else:
        sql = f"UPDATE {table} {claim_set} WHERE id IN ({due}) RETURNING id"
        params = [sending, now, worker[:120], queued, channel, now, limit]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return sorted(row[0] for row in cursor.fetchall())


def release_gone_workers(me: str, now: datetime | None = None) -> tuple[int, int]:
    """Hand back the rows of workers known to be gone (see the module's docstring); ``me`` is the
    caller, never gone to itself. Returns (unflagged, possible repeats)."""
    now = now or timezone.now()
    theirs = OutgoingMessage.objects.filter(
        status=OutgoingMessage.Status.SENDING,
        claimed_by__in=Subquery(gone_workers(now).exclude(name=me).values("name")),
    )
    if not theirs.exists():  # the usual answer, without taking SQLite's write lock
        return 0, 0
    counts = hand_back(theirs, now)
    log.warning(
        "took back %s messages of workers that are gone: %s never sent, %s may have been sent (possible repeat)",
        sum(counts),
        *counts,
    )
    return counts


def deliver_channel(worker: str, channel: str, limit: int = BATCH, stopping: threading.Event | None = None) -> int:
    """Claim up to ``limit`` due messages of ``channel``, send them one by one (each marked just
    before its transport gets it) and record the successes in bulk; returns how many were taken
    in hand. What was not sent when the batch ends (its time is up, the worker stops, an
    unexpected error) goes back to the queue unflagged.

    One thread per channel and worker calls this, so between two calls no row of this channel is
    in this worker's hands: one still claimed (the database failed while the last batch gave its
    rest back) goes back first, unflagged when its send never started. One whose send started
    and raised stays for ``release_abandoned`` (five minutes, as a possible repeat), so a message
    that makes its transport fail unexpectedly is not tried again every second."""
    leftovers = OutgoingMessage.objects.filter(
        status=OutgoingMessage.Status.SENDING, channel=channel, claimed_by=worker, send_started_at__isnull=True
    )
    if leftovers.exists():
        hand_back(leftovers)
    pks = claim_channel_batch(worker, channel, limit)
    if not pks:
        return 0
    found = OutgoingMessage.objects.in_bulk(pks)
    messages = sorted(found.values(), key=lambda m: (m.next_attempt_at, m.pk))
    started = last_record = _clock()
    sent: list[tuple[int, delivery._Outcome]] = []
    tried = 0
    try:
        for message in messages:
            if (stopping is not None and stopping.is_set()) or _clock() - started > BATCH_TIME:
                break
            tried += 1
            if not mark_sending(message):
                continue  # handed back meanwhile (this worker was taken for gone): not ours to send
            outcome = delivery._send(message)
            if outcome.status == OutgoingMessage.Status.SENT:
                sent.append((message.pk, outcome))
            if _clock() - last_record > RECORD_EVERY:
                delivery._record_sent(sent)
                sent, last_record = [], _clock()
    finally:
        # Also after an unexpected error: what was sent is recorded and what was never tried goes
        # back as never claimed; a message whose send raised stays "sending", marked as started,
        # and goes back later as a possible repeat.
        delivery._record_sent(sent)
        rest = [m.pk for m in messages[tried:]]
        if rest:
            hand_back(OutgoingMessage.objects.filter(pk__in=rest, claimed_by=worker))
    return tried


# --- the state of the workers ----------------------------------------------------------------


@dataclass(frozen=True)
class WorkerState:
    ok: bool  # a worker is alive: beat within BUURTWACHT_WORKER_STALE_AFTER and not stopped
    name: str | None  # the live worker, else the one seen last
    last_seen: datetime | None
    stopped: bool  # the one seen last is known to have stopped
    queued: int
    due: int  # queued and due now: what waits for a worker
    oldest_due_seconds: int


def worker_state(now: datetime | None = None) -> WorkerState:
    now = now or timezone.now()
    alive = (
        WorkerHeartbeat.objects.filter(stopped_at__isnull=True, last_seen__gte=_stale_before(now))
        .order_by("-last_seen")
        .first()
    )
    latest = alive or WorkerHeartbeat.objects.order_by("-last_seen").first()
    waiting = OutgoingMessage.objects.filter(status=OutgoingMessage.Status.QUEUED)
    due = waiting.filter(next_attempt_at__lte=now)
    oldest_due = due.order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first()
    return WorkerState(
        ok=alive is not None,
        name=latest.name if latest else None,
        last_seen=latest.last_seen if latest else None,
        stopped=bool(latest and latest.stopped_at),
        queued=waiting.count(),
        due=due.count(),
        oldest_due_seconds=int((now - oldest_due).total_seconds()) if oldest_due else 0,
    )


def worker_status(now=None) -> dict:
    """The workers' state for /healthz."""
    state = worker_state(now)
    return {
        "ok": state.ok,
        "last_heartbeat": state.last_seen.isoformat() if state.last_seen else None,
        "worker": state.name,
        "stopped": state.stopped,
        "queued": state.queued,
        "oldest_due_seconds": state.oldest_due_seconds,
    }


def due_count(group_ids=None, now: datetime | None = None) -> int:
    """Messages queued and due now (waiting for a worker), of the given groups when named."""
    due = OutgoingMessage.objects.filter(
        status=OutgoingMessage.Status.QUEUED, next_attempt_at__lte=now or timezone.now()
    )
    if group_ids is not None:
        due = due.filter(group_id__in=group_ids)
    return due.count()
