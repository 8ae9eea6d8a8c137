"""`manage.py serve` (what `make run` ends with): prints where to go and how to log in."""

from __future__ import annotations

import io

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
