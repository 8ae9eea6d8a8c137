"""A worker loads what its first send needs when it starts, not while the first alert waits."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from apps.messaging.management.commands import run_worker

from .test_worker_threads import worker_without_database

ROOT = Path(__file__).resolve().parents[3]


def test_the_worker_warms_up_before_its_first_claim(monkeypatch):
    handlers, calls = {}, []
    done = threading.Event()

    def deliver_due(name):
        calls.append("deliver")
        if not done.is_set():
            done.set()
            handlers[run_worker.signal.SIGTERM]()
        return 0

    worker_without_database(monkeypatch, handlers, lambda: None, deliver_due)
    monkeypatch.setattr(run_worker.services, "beat", lambda name, kind, processed=0: None)
    monkeypatch.setattr(run_worker.workers, "warm_up", lambda: calls.append("warm up"))

    run_worker.Command().handle(once=False, interval=0.01)

    assert calls[0] == "warm up" and calls.count("warm up") == 1 and "deliver" in calls


def test_warm_up_loads_the_url_patterns_that_a_send_reads():
    # In a fresh process, as a worker starts: the site's URL patterns (and every view they import)
    # are not loaded by Django's setup; the first send would load them (``sealing.secret_links``).
    code = (
        "import sys, django; django.setup(); from django.conf import settings; "
        "from apps.messaging import workers; "
        "assert settings.ROOT_URLCONF not in sys.modules, 'loaded by the setup already'; "
        "workers.warm_up(); "
        "assert settings.ROOT_URLCONF in sys.modules"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "buurtwacht.settings"}
    result = subprocess.run(  # noqa: S603 (this interpreter, our own code)
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
