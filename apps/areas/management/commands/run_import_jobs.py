"""manage.py run_import_jobs: run queued imports (areas and addresses from the upload screen)."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from apps.areas.jobs import run_due_jobs


class Command(BaseCommand):
    help = "Run the imports queued from the coordinators' upload screen."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run what is queued now and stop.")
        parser.add_argument("--interval", type=float, default=1.0)

    def handle(self, *args, once: bool = False, interval: float = 1.0, **options):
        while True:
            close_old_connections()
            run_due_jobs(limit=10)
            if once:
                break
            time.sleep(interval)
