"""Delivery of outgoing messages: claiming, retries, permanent failures, dead workers."""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from apps.core.actors import SYSTEM
from apps.messaging import services
from apps.messaging.models import OutgoingMessage, WorkerHeartbeat
from apps.messaging.transports import EmailTransport


def queue(n: int = 1, **kw) -> OutgoingMessage:
    defaults = {
        "to": f"r{n}@example.org",
        "subject": "Onderwerp",
        "body": "Tekst",
        "topic": "test",
        "dedupe_key": f"test:{n}",
    }
    defaults.update(kw)
    return services.queue_email(**defaults)


@pytest.mark.django_db
def test_one_row_per_dedupe_key():
    first = queue(1)
    again = queue(1, body="anders")
    assert first.pk == again.pk and OutgoingMessage.objects.count() == 1


@pytest.mark.django_db
def test_delivery_sends_and_records():
    message = queue(1)
    assert services.deliver(message.pk, "w1") == OutgoingMessage.Status.SENT
    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 1 and message.sent_at and message.provider_message_id
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["r1@example.org"]
    assert mail.outbox[0].extra_headers["Message-ID"] == message.provider_message_id


@pytest.mark.django_db
def test_a_claimed_row_is_not_sent_twice():
    message = queue(1)
    assert services.claim(message.pk, "w1")
    assert not services.claim(message.pk, "w2")
    assert services.deliver(message.pk, "w2") is None
    assert len(mail.outbox) == 0


class Failing:
    def __init__(self, exc):
        self.exc = exc

    def send(self, *args, **kwargs):
        raise self.exc


@pytest.mark.django_db
def test_transient_error_retries_with_backoff_then_gives_up(monkeypatch, settings):
    settings.BUURTWACHT_DELIVERY_MAX_ATTEMPTS = 2
    monkeypatch.setattr("django.core.mail.EmailMessage.send", Failing(smtplib.SMTPServerDisconnected("gone")).send)
    message = queue(1)
    assert services.deliver(message.pk, "w") == OutgoingMessage.Status.QUEUED
    message.refresh_from_db()
    assert message.last_error.startswith("SMTPServerDisconnected") and message.next_attempt_at > timezone.now()
    assert services.deliver(message.pk, "w") is None  # not due yet
    OutgoingMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert services.deliver(message.pk, "w") == OutgoingMessage.Status.FAILED
    message.refresh_from_db()
    assert message.status == "failed" and message.attempts == 2


@pytest.mark.django_db
def test_permanent_error_stops_and_can_be_retried(monkeypatch):
    refused = smtplib.SMTPRecipientsRefused({"r1@example.org": (550, b"no such user")})
    monkeypatch.setattr("django.core.mail.EmailMessage.send", Failing(refused).send)
    message = queue(1)
    assert services.deliver(message.pk, "w") == OutgoingMessage.Status.FAILED
    message.refresh_from_db()
    assert "refused" in message.last_error and message.attempts == 1
    monkeypatch.undo()
    assert services.retry(message, actor=SYSTEM)
    assert services.deliver(message.pk, "w") == OutgoingMessage.Status.SENT


@pytest.mark.django_db
def test_smtp_codes_sort_permanent_from_transient(monkeypatch):
    transport = EmailTransport()
    message = queue(1)
    monkeypatch.setattr("django.core.mail.EmailMessage.send", Failing(smtplib.SMTPDataError(552, b"too big")).send)
    with pytest.raises(services.PermanentError):
        transport.send(message)
    monkeypatch.setattr("django.core.mail.EmailMessage.send", Failing(smtplib.SMTPDataError(451, b"later")).send)
    with pytest.raises(services.TransientError):
        transport.send(message)


@pytest.mark.django_db
def test_row_of_a_dead_worker_is_sent_again_marked_as_possible_repeat():
    message = queue(1)
    assert services.claim(message.pk, "dead-worker")  # the worker dies here
    later = timezone.now() + services.SENDING_TIMEOUT + dt.timedelta(seconds=1)
    assert services.release_abandoned(later) == 1
    message.refresh_from_db()
    assert message.status == "queued" and message.possible_repeat
    assert services.deliver(message.pk, "w2") == "sent"
    message.refresh_from_db()
    assert message.attempts == 2


@pytest.mark.django_db
def test_worker_round_delivers_due_messages_and_beats():
    queue(1)
    queue(2)
    call_command("run_worker", "--once")
    assert OutgoingMessage.objects.filter(status="sent").count() == 2
    beat = WorkerHeartbeat.objects.get()
    assert beat.kind == "embedded" and beat.processed == 2


@pytest.mark.django_db
def test_messages_are_queued_only_when_the_event_commits(django_capture_on_commit_callbacks):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        queue(1)
        raise RuntimeError("the event failed")
    assert OutgoingMessage.objects.count() == 0


def test_only_the_groups_people_may_retry_its_message(world, monkeypatch):
    from django.core.exceptions import PermissionDenied

    message = queue(1, group_id=world.group_a.pk, municipality_id=world.testdorp.pk)
    OutgoingMessage.objects.filter(pk=message.pk).update(status="failed", last_error="550")
    message.refresh_from_db()
    for outsider in (world.admin_b, world.coordinator_nl, world.police):
        with pytest.raises(PermissionDenied):
            services.retry(message, actor=outsider)
    message.refresh_from_db()
    assert message.status == "failed"
    assert services.retry(message, actor=world.admin_a)


@pytest.mark.django_db
def test_worker_round_runs_a_queued_import(world, tmp_path, settings):
    import json

    from apps.areas.models import Area, ImportJob

    settings.BUURTWACHT_WORKER = "embedded"
    path = tmp_path / "areas.geojson"
    feature = {
        "type": "Feature",
        "properties": {"name": "Oost"},
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[5.33, 50.74], [5.35, 50.74], [5.35, 50.76], [5.33, 50.76], [5.33, 50.74]]],
        },
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    job = ImportJob.objects.create(
        kind=ImportJob.Kind.AREAS,
        municipality=world.testdorp,
        created_by=world.coordinator,
        path=str(path),
        original_name="areas.geojson",
        options={"name_field": "name"},
    )
    call_command("run_worker", "--once")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, (job.summary, job.details)
    assert Area.objects.filter(municipality=world.testdorp, name="Oost").exists()
