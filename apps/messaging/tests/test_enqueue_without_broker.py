"""Queueing with the Celery broker unreachable (Redis on a closed port, the production mode).

The rows are the queue; the task sent after commit only wakes a worker. A broadcast to many
people answers after one failed connection attempt to the broker (counted at the socket, never
timed), every message stays queued, one warning is logged, and the periodic sweep a worker runs
once the broker is back delivers them all. An import queued meanwhile is run by its sweep too.
"""

from __future__ import annotations

import json
import os

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.api.tests.utils import bearer
from apps.areas import jobs
from apps.areas.models import ImportJob
from apps.core import outage as outage_module
from apps.core import wakeup
from apps.core.tests.test_redis_down import (  # noqa: F401 (fixtures)
    celery_app_on_fixture,
    connects_fixture,
    redis_down_fixture,
)
from apps.messaging import tasks
from apps.messaging.models import OutgoingMessage
from apps.relays.models import Broadcast
from apps.relays.tests.helpers import opted_in
from buurtwacht.celery import app as project_app
from buurtwacht.celery import run_queued_imports
from testkit.services import need_redis
from testkit.world import World

MEMBERS = 60


def _broadcast(client, world: World, capture):
    for n in range(MEMBERS):
        opted_in(world.group_a if n % 2 else world.group_b, 100 + n)
    body = {
        "urgency": "red",
        "subject": "Inbraakgolf",
        "text": "Let op: inbraken in de buurt.",
        "zone_id": world.zone.pk,
        "audience": Broadcast.Audience.ADMINS_AND_MEMBERS,
    }
    with capture(execute=True):
        return client.post(
            "/api/v1/broadcasts", json.dumps(body), content_type="application/json", headers=bearer(world.police)
        )


def test_a_broadcast_answers_after_one_broker_attempt_and_is_delivered_by_the_sweep(
    client, world: World, settings, redis_down, caplog, django_capture_on_commit_callbacks
):
    response = _broadcast(client, world, django_capture_on_commit_callbacks)
    assert response.status_code == 201, response.content
    queued = OutgoingMessage.objects.filter(topic="broadcast.red")
    assert queued.count() >= MEMBERS and set(queued.values_list("status", flat=True)) == {"queued"}
    # Every message's wake-up after commit cost one connection attempt in all, not one (or four) each.
    assert len(redis_down) <= 2
    warnings = [r.getMessage() for r in caplog.records if "Celery broker is unreachable" in r.getMessage()]
    assert len(warnings) == 1
    assert mail.outbox == []

    # The broker is back and beat sends the sweep: what a worker runs for ``deliver-due-messages``.
    settings.BUURTWACHT_WORKER = "embedded"  # what the sweep queues on fallback is not woken again
    tasks.deliver_due()
    assert set(queued.values_list("status", flat=True)) == {"sent"}
    assert len(mail.outbox) == queued.count()  # each delivered once


def test_an_import_queued_while_the_broker_is_down_is_run_by_its_sweep(
    world: World, settings, tmp_path, redis_down, django_capture_on_commit_callbacks
):
    settings.VAR_DIR = tmp_path
    upload = SimpleUploadedFile("adressen.csv", b"postcode,house_number,addition,street,town,lat,lon\n")
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.queue_import(actor=world.coordinator, municipality=world.testdorp, kind="addresses", upload=upload)
    assert ImportJob.objects.get(pk=job.pk).status == "queued" and len(redis_down) == 1
    assert "run-queued-imports" in {
        name for name, entry in project_app.conf.beat_schedule.items() if entry["task"] == "areas.run_queued_imports"
    }
    assert run_queued_imports() == 1  # what a worker runs for ``run-queued-imports``
    job.refresh_from_db()
    assert job.status == "failed" and job.finished_at and job.summary  # run, and said why (no addresses)


# A queue of this process only: two runs of the suite may share one Redis.
QUEUE = f"buurtwacht-wakeup-test-{os.getpid()}"


def _back(celery_app_on, url):
    """The broker answers again: an app on the real Redis, its own queue emptied."""
    app = celery_app_on(url)
    app.conf.task_default_queue = QUEUE
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(QUEUE)
    return app


def _queued(app) -> int:
    with app.connection_for_write() as conn:
        count = conn.default_channel.client.llen(QUEUE)
        conn.default_channel.queue_purge(QUEUE)
    return count


def test_the_wake_up_tries_the_broker_again_after_the_pause_and_then_sends(db, settings, celery_app_on):
    url = need_redis()
    settings.BUURTWACHT_WORKER = "celery"
    celery_app_on("redis://127.0.0.1:1/0")
    assert wakeup.wake(tasks.heartbeat) is False and wakeup.outage.down
    assert wakeup.wake(tasks.heartbeat) is False  # skipped: no second attempt within the pause
    assert wakeup.outage.failures == 1
    app = _back(celery_app_on, url)
    assert wakeup.wake(tasks.heartbeat) is False  # still within the pause: not even tried
    wakeup.outage.retry_after = 0  # the pause is over
    try:
        assert wakeup.wake(tasks.heartbeat) is True and not wakeup.outage.down
    finally:
        wakeup.outage.retry_after = wakeup.RETRY_AFTER
    assert _queued(app) == 1


def test_an_outage_is_logged_once_and_its_end_once(db, settings, celery_app_on, monkeypatch):
    # Recorded at the logger: making a Celery app configures Django's logging again, which takes
    # pytest's capturing handler off the root logger.
    messages: list[str] = []
    monkeypatch.setattr(outage_module.log, "warning", lambda text, *args: messages.append(text % args))
    url = need_redis()
    settings.BUURTWACHT_WORKER = "celery"
    celery_app_on("redis://127.0.0.1:1/0")
    for _ in range(5):
        wakeup.wake(tasks.heartbeat)
    wakeup.outage.retry_after = 0  # each next wake-up tries again, and fails again
    try:
        for _ in range(3):
            assert wakeup.wake(tasks.heartbeat) is False
        app = _back(celery_app_on, url)
        assert wakeup.wake(tasks.heartbeat) is True
        assert wakeup.wake(tasks.heartbeat) is True
    finally:
        wakeup.outage.retry_after = wakeup.RETRY_AFTER
    assert _queued(app) == 2
    assert sum("Celery broker is unreachable" in m for m in messages) == 1
    assert sum("Celery broker answers again" in m for m in messages) == 1
    assert wakeup.outage.failures == 4
