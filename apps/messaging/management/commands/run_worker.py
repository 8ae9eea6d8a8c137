"""The embedded worker: delivers queued messages and runs periodic jobs without a broker.

Threads, each with its own database connection:

- one delivery thread per channel (e-mail, WhatsApp, SMS). Each claims only its own channel's
  due rows (``workers.claim_channel_batch``) and sends them one by one, so a gateway that hangs
  for its whole timeout on every message holds up its own channel only: an e-mail never waits
  behind a slow SMS gateway, nor an SMS behind a slow mail server. Each gateway keeps its own
  throughput limit and kept-alive connection (per thread, ``transports``).
- the slow jobs (a coordinator's area or address upload, the national coverage count after a
  change), so an urgent alert never waits behind a ten-million-row import or a minute of
  counting.
- the main thread: the heartbeat every round (``interval`` seconds) whatever the deliveries are
  doing, then the housekeeping: rows of workers known to be gone go back to the queue
  (``workers.release_gone_workers``, see there), rows of any claimer silent for five minutes too
  (``release_abandoned``), the periodic jobs, and a delivery thread that died is started again.

Faults. No error ends a loop: a database error (SQLite's write lock held past the busy timeout,
a PostgreSQL connection terminated by a restart or a failover) or any other exception of a round
is logged, the thread's connection is closed (the next round opens a new one) and the loop waits,
longer after each failure in a row (``interval`` doubled up to ``BACKOFF_MAX``), then goes on; the
heartbeat resumes with the database. A gateway's errors are the transports' business (retry
later, next channel). What ends the worker is SIGTERM or SIGINT: each delivery thread finishes the
message it is sending and gives the rest of its batch back, the heartbeat is marked stopped (so
/healthz says so at once) and the process exits. Anything that kills it otherwise is seen by the
supervisor (``manage.py serve`` starts it again) or, without one, by its heartbeat going stale.
Started by ``serve`` (``--parent-pid``), it also stops so when it finds another parent at the
start of a round: serve died without stopping it (``kill -9``, a crash) and it must not go on
sending alone. On Linux serve has the kernel send it SIGTERM then too; this is the check for
everywhere else.

``--once`` runs one round of everything in the calling thread (what the tests use).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection
from django.utils import timezone

from apps.core.allocator import tune
from apps.messaging import services, workers
from apps.messaging.hooks import background_jobs, start_jobs
from apps.messaging.models import OutgoingMessage

log = logging.getLogger(__name__)

CHANNELS: tuple[str, ...] = tuple(OutgoingMessage.Channel.values)
# The longest wait between two tries after failures in a row (seconds).
BACKOFF_MAX = 30.0
# How long a stopping worker waits for each delivery thread to finish the message it is sending.
STOP_WAIT = 5.0


def backoff(failures: int, interval: float) -> float:
    """The wait after ``failures`` failed rounds in a row: the interval, doubled each time, capped."""
    return min(BACKOFF_MAX, max(interval, 0.05) * 2 ** max(failures - 1, 0))


def _close_connection() -> None:
    """Drop this thread's connection after an error: a broken one is never used again."""
    try:
        connection.close()
    except Exception:  # closing a broken connection may fail too; it is gone either way
        log.debug("closing the database connection failed", exc_info=True)


def _resilient(stopping: threading.Event, what: str, step: Callable[[], float], interval: float) -> None:
    """Run ``step`` until ``stopping``; it returns the pause before the next round. An exception
    is logged ("<what> failed"), the connection closed, and the next try waits ``backoff``."""
    failures = 0
    while not stopping.is_set():
        try:
            close_old_connections()
            pause = step()
        except Exception:
            failures += 1
            delay = backoff(failures, interval)
            log.exception("%s failed (%s in a row); trying again in %.1f s", what, failures, delay)
            _close_connection()
            stopping.wait(delay)
            continue
        if failures:
            log.warning("%s works again after %s failures", what, failures)
            failures = 0
        if pause:
            stopping.wait(pause)


def _slow_jobs_round() -> None:
    # What the apps registered (apps.messaging.hooks), in their order: one queued import per
    # round, then the national coverage figures when areas, groups or addresses changed.
    for job in background_jobs(slow=True):
        job.run()


def _run_periodic(last_run: dict[str, float], *, force: bool = False) -> None:
    now = time.monotonic()
    for job in background_jobs(slow=False):
        if force or now - last_run.get(job.name, float("-inf")) > job.every:
            job.run()
            last_run[job.name] = now


def _slow_jobs(stopping: threading.Event, interval: float) -> None:
    """The slow jobs' thread: round after round until the worker stops."""

    def step() -> float:
        _slow_jobs_round()
        return interval

    try:
        _resilient(stopping, "a background job", step, interval)
    finally:
        _close_connection()


def _deliver_round(name: str, channel: str, stopping: threading.Event | None) -> int:
    return workers.deliver_channel(name, channel, stopping=stopping)


def _housekeeping(name: str) -> None:
    """Rows of gone workers back to the queue: at once when their worker is known to be gone,
    after five minutes "sending" whoever claimed them (a request's inline send, a Celery worker)."""
    workers.release_gone_workers(name)
    now = timezone.now()
    abandoned = OutgoingMessage.objects.filter(
        status=OutgoingMessage.Status.SENDING, claimed_at__lt=now - services.SENDING_TIMEOUT
    )
    if abandoned.exists():  # the usual answer, without taking SQLite's write lock
        services.release_abandoned(now)


def _stop(name: str) -> None:
    """A clean stop: whatever this worker still holds goes back (a send still running, as a
    possible repeat), and its heartbeat says stopped."""
    close_old_connections()
    given_back = workers.hand_back(OutgoingMessage.objects.filter(claimed_by=name))
    if any(given_back):
        log.info("gave back %s messages on stopping (%s never sent, %s possibly sent)", sum(given_back), *given_back)
    workers.mark_stopped(name)


class _Counter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value = 0

    def add(self, n: int) -> None:
        with self._lock:
            self._value += n

    def take(self) -> int:
        with self._lock:
            value, self._value = self._value, 0
            return value


def _deliveries(
    name: str,
    channel: str,
    stopping: threading.Event,
    registered: threading.Event,
    processed: _Counter,
    interval: float,
) -> None:
    """One channel's delivery thread."""

    def step() -> float:
        n = _deliver_round(name, channel, stopping)
        processed.add(n)
        return 0 if n >= workers.BATCH else interval  # a full batch: more may be due, so no pause

    try:
        # Nothing is claimed before the worker's first heartbeat: a claimer without one could
        # never be known to be gone.
        while not registered.wait(interval):
            if stopping.is_set():
                return
        _resilient(stopping, f"delivering {channel}", step, interval)
    finally:
        _close_connection()


class Command(BaseCommand):
    help = "Deliver queued messages and run periodic jobs (embedded mode, no broker needed)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run one round and stop.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between rounds.")
        parser.add_argument(
            "--parent-pid", type=int, default=None, help="Stop when this process is no longer the parent (serve's)."
        )

    def handle(self, *args, once: bool = False, interval: float = 1.0, parent_pid: int | None = None, **options):
        name = services.worker_name("embedded")
        if once:
            services.beat(name, "embedded")
            _housekeeping(name)
            processed = sum(_deliver_round(name, channel, None) for channel in CHANNELS)
            _slow_jobs_round()
            _run_periodic({}, force=True)
            services.beat(name, "embedded", processed)
            return

        tune()  # before the threads start (ADR 0037)
        # Before the first claim: the first alert after a start must not wait for the imports.
        workers.warm_up()
        stopping, registered = threading.Event(), threading.Event()

        def stop(*_args):
            stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        pending_start = self._start_jobs(start_jobs())  # e.g. an import its predecessor was running
        processed = _Counter()

        def delivery_thread(channel: str) -> threading.Thread:
            thread = threading.Thread(
                target=_deliveries,
                args=(name, channel, stopping, registered, processed, interval),
                name=f"deliver-{channel}",
                daemon=True,
            )
            thread.start()
            return thread

        jobs = threading.Thread(target=_slow_jobs, args=(stopping, interval), name="slow-jobs", daemon=True)
        jobs.start()
        senders = {channel: delivery_thread(channel) for channel in CHANNELS}
        self.stdout.write(f"Worker {name} started.")
        last_run: dict[str, float] = {}
        first_round = True

        def round_() -> float:
            nonlocal pending_start, first_round
            if parent_pid is not None and os.getppid() != parent_pid:
                log.warning("the process that started this worker (pid %s) is gone; stopping", parent_pid)
                stopping.set()
                return 0
            done = processed.take()
            try:
                services.beat(name, "embedded", done)
            except Exception:
                processed.add(done)  # counted with the next beat
                raise
            registered.set()
            if first_round:
                workers.forget_old_heartbeats()
                first_round = False
            _housekeeping(name)
            if pending_start:
                pending_start = self._start_jobs(pending_start)
            _run_periodic(last_run)
            for channel, thread in senders.items():
                if not thread.is_alive() and not stopping.is_set():
                    log.error("the %s delivery thread ended; starting it again", channel)
                    senders[channel] = delivery_thread(channel)
            return interval

        try:
            _resilient(stopping, "the worker's round", round_, interval)
        finally:
            stopping.set()
            for thread in senders.values():
                thread.join(STOP_WAIT)
            # An import in progress is queued again when the worker next starts; a coverage
            # count in progress is taken over once its claim expires.
            jobs.join(timeout=5)
            try:
                _stop(name)
            except Exception:  # the database may be down: the heartbeat goes stale instead
                log.exception("could not record the worker's stop")
            _close_connection()

    @staticmethod
    def _start_jobs(jobs: list[Callable]) -> list[Callable]:
        """Run each start job; the ones that failed are returned, to be tried again next round."""
        failed = []
        for job in jobs:
            try:
                job()
            except Exception:
                log.exception("a start job failed; it is tried again")
                failed.append(job)
        if failed:
            _close_connection()
        return failed
