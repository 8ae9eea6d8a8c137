"""The embedded worker: delivers queued messages and runs periodic jobs without a broker.

Deliveries run in the main loop, round after round. The slow jobs (a coordinator's area or
address upload, the national coverage count after a change) run in a second thread with its own
database connection, so an urgent alert never waits behind a ten-million-row import or a minute
of counting, and the heartbeat that ``/healthz`` reads keeps coming. ``--once`` runs one round of
everything in the calling thread (what the tests use).
"""

from __future__ import annotations

import logging
import signal
import threading
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from apps.messaging import services
from apps.messaging.hooks import background_jobs, start_jobs

log = logging.getLogger(__name__)


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
    """The second thread's loop: slow jobs until the worker stops."""
    try:
        while not stopping.is_set():
            close_old_connections()
            try:
                _slow_jobs_round()
            except Exception:  # one broken job must not end the thread: log it and go on
                log.exception("a background job failed")
            stopping.wait(interval)
    finally:
        connection.close()


class Command(BaseCommand):
    help = "Deliver queued messages and run periodic jobs (embedded mode, no broker needed)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run one round and stop.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between rounds.")

    def handle(self, *args, once: bool = False, interval: float = 1.0, **options):
        name = services.worker_name("embedded")
        stopping = threading.Event()

        if once:
            processed = services.deliver_due(name)
            _slow_jobs_round()
            _run_periodic({}, force=True)
            services.beat(name, "embedded", processed)
            return

        def stop(*_args):
            stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        for at_start in start_jobs():  # e.g. an import its predecessor was running when it stopped
            at_start()
        jobs = threading.Thread(target=_slow_jobs, args=(stopping, interval), name="slow-jobs", daemon=True)
        jobs.start()
        self.stdout.write(f"Worker {name} started.")
        last_run: dict[str, float] = {}
        while not stopping.is_set():
            close_old_connections()
            processed = services.deliver_due(name)
            _run_periodic(last_run)
            services.beat(name, "embedded", processed)
            if processed < services.BATCH:  # a full batch: more may be due, so no pause
                stopping.wait(interval)
        # An import in progress is queued again when the worker next starts; a coverage count
        # in progress is taken over once its claim expires.
        jobs.join(timeout=5)
