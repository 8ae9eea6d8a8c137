"""`manage.py serve` (what `make run` ends with): prints where to go and how to log in."""

from __future__ import annotations

import io
import threading

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_serve_prints_address_and_demo_logins_and_serves(monkeypatch):
    served = {}

    def fake_serve(app, **kwargs):
        served.update(kwargs, app=app)

    monkeypatch.setattr("waitress.serve", fake_serve)
    out = io.StringIO()
    call_command("serve", "--no-worker", "--port", "8123", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:8123/" in text
    assert "gemeente-heerlo" in text and "buurtwacht-demo" in text
    assert served["port"] == 8123 and callable(served["app"])


@pytest.mark.django_db
def test_links_point_at_the_port_served_unless_the_site_url_is_set(monkeypatch, settings):
    started = {}
    monkeypatch.setattr("waitress.serve", lambda app, **kwargs: None)
    monkeypatch.setattr("subprocess.Popen", lambda args, **kwargs: started.update(kwargs) or _Done())
    monkeypatch.delenv("BUURTWACHT_SITE_URL", raising=False)
    settings.BUURTWACHT_WORKER = "embedded"
    call_command("serve", "--host", "0.0.0.0", "--port", "8765", stdout=io.StringIO())  # noqa: S104
    assert settings.BUURTWACHT_SITE_URL == "http://127.0.0.1:8765"
    assert started["env"]["BUURTWACHT_SITE_URL"] == "http://127.0.0.1:8765"  # the worker's e-mails too

    monkeypatch.setenv("BUURTWACHT_SITE_URL", "https://buurtwacht.example.be")
    settings.BUURTWACHT_SITE_URL = "https://buurtwacht.example.be"
    call_command("serve", "--port", "8766", stdout=io.StringIO())
    assert settings.BUURTWACHT_SITE_URL == "https://buurtwacht.example.be"
    assert started["env"]["BUURTWACHT_SITE_URL"] == "https://buurtwacht.example.be"


class _Done:
    """A worker process that runs until it is told to stop."""

    pid = 0

    def __init__(self):
        self._ended = threading.Event()

    def terminate(self):
        self._ended.set()

    def kill(self):
        self._ended.set()

    def wait(self, timeout=None):
        self._ended.wait(timeout)
        return 0
