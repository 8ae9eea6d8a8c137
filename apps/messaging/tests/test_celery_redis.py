"""The production path: a message queued in a transaction is delivered by a Celery worker
through Redis after commit."""

from __future__ import annotations

import os
import time

import pytest
from django.core import mail
from django.db import transaction

from apps.messaging import services
from apps.messaging.models import OutgoingMessage, WorkerHeartbeat
from testkit.services import need_redis

QUEUE = f"buurtwacht-test-{os.getpid()}"


@pytest.fixture
def celery_worker_on_redis(settings):
    """A Celery app of the test's own, current while the test runs, with a worker on Redis.

    Its own app rather than the project's: once anything has sent a task (in a run with
    BUURTWACHT_WORKER=celery, earlier tests have), Celery keeps the broker connection and
    routing it started with, and later configuration changes would not reach the producer.
    """
    from celery import Celery
    from celery.contrib.testing.worker import start_worker

    from buurtwacht.celery import app as project_app

    url = need_redis()
    settings.BUURTWACHT_WORKER = "celery"
    app = Celery("buurtwacht-test", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    # A queue of its own per test process, so another run's leftovers are never taken for ours.
    app.conf.update(
        broker_url=url,
        task_always_eager=False,
        broker_connection_retry_on_startup=False,
        task_default_queue=QUEUE,
    )
    app.set_current()
    app.set_default()
    try:
        # shared tasks (``@shared_task``) register with every app, this one included
        app.loader.import_default_modules()
        for module in ("apps.messaging.tasks", "apps.applications.tasks", "apps.areas.tasks"):
            __import__(module)
        app.finalize()
        with app.connection_for_write() as conn:
            conn.default_channel.queue_purge(QUEUE)
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield app
    finally:
        project_app.set_current()
        project_app.set_default()


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.django_db(transaction=True)
def test_message_is_delivered_by_a_celery_worker_after_commit(celery_worker_on_redis):
    with transaction.atomic():
        message = services.queue_email(
            to="bewoner@example.org", subject="Welkom", body="Tekst", topic="test", dedupe_key="celery:1"
        )
    assert wait_for(lambda: OutgoingMessage.objects.get(pk=message.pk).status == "sent")
    assert [m.to for m in mail.outbox] == [["bewoner@example.org"]]
    assert OutgoingMessage.objects.get(pk=message.pk).claimed_by.startswith("celery@")


@pytest.mark.django_db(transaction=True)
def test_rolled_back_event_sends_nothing(celery_worker_on_redis):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.queue_email(to="x@example.org", subject="S", body="B", topic="test", dedupe_key="celery:2")
        raise RuntimeError
    time.sleep(0.5)
    assert OutgoingMessage.objects.count() == 0 and mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_heartbeat_task_feeds_health(celery_worker_on_redis, client):
    from apps.messaging.tasks import heartbeat

    heartbeat.delay()
    assert wait_for(lambda: WorkerHeartbeat.objects.filter(kind="celery").exists())
    assert client.get("/healthz").status_code == 200
