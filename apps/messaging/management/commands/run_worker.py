"""The embedded worker: delivers queued messages and runs periodic jobs without a broker."""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from apps.applications.services import expire_stale_applications
from apps.areas.jobs import run_due_jobs
from apps.messaging import services


class Command(BaseCommand):
    help = "Deliver queued messages and run periodic jobs (embedded mode, no broker needed)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run one round and stop.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between rounds.")

    def handle(self, *args, once: bool = False, interval: float = 1.0, **options):
        name = services.worker_name("embedded")
        stopping = False

        def stop(*_args):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        last_hourly = 0.0
        if not once:
            self.stdout.write(f"Worker {name} started.")
        while not stopping:
            # A connection is only recycled between transactions (the tests run the worker
            # inside one, and closing it there would end their transaction).
            if not connection.in_atomic_block:
                close_old_connections()
            processed = services.deliver_due(name)
            # One queued import (an area or address upload from the coordinator's desk) per round,
            # so deliveries never wait long behind a big file.
            run_due_jobs(limit=1)
            now = time.monotonic()
            if now - last_hourly > 3600 or once:
                expire_stale_applications()
                last_hourly = now
            services.beat(name, "embedded", processed)
            if once:
                break
            if processed < services.BATCH:  # a full batch: more may be due, so no pause
                time.sleep(interval)
