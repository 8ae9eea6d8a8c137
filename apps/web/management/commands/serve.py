"""Serve Buurtwacht on this machine: the web server and the embedded worker together.

Used by ``make run``. Prints the address and the demo logins, starts ``run_worker`` as a
child process, serves the site with waitress and stops the worker when it stops.
"""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.demo.logins import format_table


class Command(BaseCommand):
    help = "Serve the site and run the embedded worker (demo and laptop use)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true", help="Do not start the embedded worker.")

    def handle(self, *args, host: str, port: int, no_worker: bool, **options):
        from waitress import serve

        from buurtwacht.wsgi import application  # builds the WSGI handler: only when serving

        url = f"http://{host}:{port}/"
        env = dict(os.environ)
        if "BUURTWACHT_SITE_URL" not in os.environ:
            # Links in e-mails and in the API's answers point at the address served here, also
            # on another port (a wildcard host is reached on this machine as 127.0.0.1).
            reachable = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 (a comparison)
            site = f"http://{reachable}:{port}"
            settings.BUURTWACHT_SITE_URL = env["BUURTWACHT_SITE_URL"] = site
        worker = None
        if not no_worker and settings.BUURTWACHT_WORKER == "embedded":
            worker = subprocess.Popen([sys.executable, "manage.py", "run_worker"], cwd=settings.BASE_DIR, env=env)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Buurtwacht runs at {url}"))
        self.stdout.write(f"  staff desk:  {url}beheer/   (log in with a demo login below)")
        if settings.BUURTWACHT_DEV_MAILBOX:
            self.stdout.write(f"  mailbox:     {url}dev/mailbox/   (every e-mail the demo sends)")
        self.stdout.write(f"  health:      {url}healthz")
        self.stdout.write("\nDemo logins:\n" + format_table())
        self.stdout.write("\nStop with Ctrl+C.\n")
        try:
            serve(application, host=host, port=port, threads=8, _quiet=True)
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
