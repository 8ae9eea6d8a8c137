"""/healthz: the database and the worker's heartbeat."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from apps.messaging.services import beat


@pytest.mark.django_db
def test_unhealthy_without_a_worker(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"]["ok"] is True and body["worker"]["ok"] is False


@pytest.mark.django_db
def test_healthy_with_a_recent_heartbeat_and_red_when_stale(client, settings):
    beat("embedded@test:1", "embedded")
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["status"] == "ok"
    from apps.messaging.models import WorkerHeartbeat

    WorkerHeartbeat.objects.update(
        last_seen=timezone.now() - dt.timedelta(seconds=settings.BUURTWACHT_WORKER_STALE_AFTER + 1)
    )
    assert client.get("/healthz").status_code == 503


@pytest.mark.django_db
def test_csrf_failure_is_a_plain_page():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/groep-starten/", {"full_name": "x"})
    assert response.status_code == 403
    assert "web/csrf_failure.html" in [t.name for t in response.templates]
