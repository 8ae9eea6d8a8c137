"""Retention: each kind is kept until its period is over and removed just after, per
municipality; a dry run changes nothing; the job reports counts per municipality and kind in the
audit trail, never personal data."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from apps.api.tests.utils import stored_application
from apps.applications import services as application_services
from apps.applications.models import Application
from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import SYSTEM
from apps.incidents import services as incident_services
from apps.incidents.models import Incident, IncidentAttachment
from apps.incidents.tests.helpers import report
from apps.members.models import Member
from apps.messaging.models import OutgoingMessage
from apps.messaging.services import queue_email
from apps.retention.services import REDACTED, apply_retention
from testkit.world import World, add_member

NOW = timezone.now()
_keys = itertools.count()
SECOND = dt.timedelta(seconds=1)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


@pytest.fixture(autouse=True)
def _attachment_dir(settings, tmp_path):
    settings.BUURTWACHT_ATTACHMENT_DIR = tmp_path


# --- applications ---------------------------------------------------------------------------------


def test_unconfirmed_application_is_kept_30_days_then_deleted(world: World):
    application = stored_application(world.group_a, World.ADDRESS_A)
    Application.objects.filter(pk=application.pk).update(created_at=NOW - days(30) + SECOND)
    apply_retention(NOW)
    assert Application.objects.filter(pk=application.pk).exists()
    Application.objects.filter(pk=application.pk).update(created_at=NOW - days(30) - SECOND)
    report_ = apply_retention(NOW)
    assert not Application.objects.filter(pk=application.pk).exists()
    assert report_.of(world.testdorp.pk)["applications"] == 1


@pytest.mark.parametrize("status", ["rejected", "withdrawn", "expired"])
def test_ended_application_is_kept_30_days_after_it_ended(world: World, status):
    application = stored_application(world.group_a, World.ADDRESS_A, confirmed=True)
    Application.objects.filter(pk=application.pk).update(
        status=status, created_at=NOW - days(400), decided_at=NOW - days(30) + SECOND
    )
    apply_retention(NOW)
    assert Application.objects.filter(pk=application.pk).exists()
    Application.objects.filter(pk=application.pk).update(decided_at=NOW - days(30) - SECOND)
    apply_retention(NOW)
    assert not Application.objects.filter(pk=application.pk).exists()


def test_decided_group_requests_and_registrations_are_kept_30_days_open_ones_stay(world: World):
    from apps.groups.models import GroupRegistration, GroupRequest
    from apps.groups.services import submit_group_request
    from apps.groups.tests.test_registrations import submit

    def request(n):
        return submit_group_request(
            municipality=world.testdorp,
            full_name=f"Aanvrager {n}",
            email=f"vraag{n}@example.org",
            phone="",
            postcode="3870",
            house_number=str(n),
            street="Veldweg",
            lat=None,
            lon=None,
            wants_to_be_admin=False,
            message="",
        )

    open_request, declined_request = request(1), request(2)
    open_registration = submit(world, email="open@example.org").registration
    declined_registration = submit(world, email="neen@example.org", group_name="Andere groep").registration
    GroupRequest.objects.filter(pk=declined_request.pk).update(status="declined", decided_at=NOW - days(30) + SECOND)
    GroupRegistration.objects.filter(pk=declined_registration.pk).update(
        status="declined", decided_at=NOW - days(30) + SECOND
    )
    GroupRequest.objects.filter(pk=open_request.pk).update(created_at=NOW - days(400))
    GroupRegistration.objects.filter(pk=open_registration.pk).update(created_at=NOW - days(400))
    apply_retention(NOW)
    assert GroupRequest.objects.count() == 2 and GroupRegistration.objects.count() == 2
    GroupRequest.objects.filter(pk=declined_request.pk).update(decided_at=NOW - days(30) - SECOND)
    GroupRegistration.objects.filter(pk=declined_registration.pk).update(decided_at=NOW - days(30) - SECOND)
    report_ = apply_retention(NOW)
    assert list(GroupRequest.objects.values_list("pk", flat=True)) == [open_request.pk]
    assert list(GroupRegistration.objects.values_list("pk", flat=True)) == [open_registration.pk]
    assert report_.of(world.testdorp.pk)["group_requests"] == 1
    assert report_.of(world.testdorp.pk)["group_registrations"] == 1


def test_open_and_approved_applications_of_members_stay(world: World):
    waiting = stored_application(world.group_a, World.ADDRESS_A, confirmed=True)
    approved = stored_application(world.group_a, World.ADDRESS_A, confirmed=True, phone="0470 99 88 77")
    application_services.approve(approved, actor=world.admin_a)
    Application.objects.update(created_at=NOW - days(900), decided_at=None)
    Application.objects.filter(pk=approved.pk).update(decided_at=NOW - days(900))
    apply_retention(NOW)
    assert set(Application.objects.values_list("pk", flat=True)) == {waiting.pk, approved.pk}


# --- members --------------------------------------------------------------------------------------


def test_member_who_left_is_kept_six_months_then_deleted_with_their_application(world: World):
    application = stored_application(world.group_a, World.ADDRESS_A, confirmed=True)
    member = application_services.approve(application, actor=world.admin_a)
    current = add_member(world.group_a, 2)
    Member.objects.filter(pk=member.pk).update(left_at=NOW - days(183) + SECOND, leave_reason="left")
    apply_retention(NOW)
    assert Member.objects.filter(pk=member.pk).exists()
    Member.objects.filter(pk=member.pk).update(left_at=NOW - days(183) - SECOND)
    result = apply_retention(NOW)
    assert not Member.objects.filter(pk=member.pk).exists()
    assert not Application.objects.filter(pk=application.pk).exists()
    assert Member.objects.filter(pk=current.pk).exists()
    assert (result.of(world.testdorp.pk)["members"], result.of(world.testdorp.pk)["applications"]) == (1, 1)


# --- messages -------------------------------------------------------------------------------------


def _message(world: World, *, municipality_id, sent_ago: dt.timedelta, status="sent") -> OutgoingMessage:
    message = queue_email(
        to="jan.peeters@example.org",
        subject="Welkom",
        body="Beste Jan Peeters, welkom in de groep.",
        topic="application.approved",
        dedupe_key=f"retention-test:{next(_keys)}",
        municipality_id=municipality_id,
    )
    OutgoingMessage.objects.filter(pk=message.pk).update(
        status=status, sent_at=NOW - sent_ago, short_body="Welkom Jan Peeters"
    )
    return message


def test_delivered_message_text_is_replaced_after_30_days(world: World):
    kept = _message(world, municipality_id=world.testdorp.pk, sent_ago=days(30) - SECOND)
    due = _message(world, municipality_id=world.testdorp.pk, sent_ago=days(30) + SECOND)
    no_municipality = _message(world, municipality_id=None, sent_ago=days(30) + SECOND)
    queued = _message(world, municipality_id=world.testdorp.pk, sent_ago=days(90), status="queued")
    result = apply_retention(NOW)
    texts = dict(OutgoingMessage.objects.values_list("pk", "body"))
    assert texts[kept.pk].startswith("Beste Jan") and texts[queued.pk].startswith("Beste Jan")
    assert texts[due.pk] == texts[no_municipality.pk] == REDACTED
    assert OutgoingMessage.objects.get(pk=due.pk).short_body == ""
    assert OutgoingMessage.objects.get(pk=due.pk).status == "sent"  # that it went out stays
    assert result.of(world.testdorp.pk)["messages"] == 1 and result.of(None)["messages"] == 1
    # A second run finds nothing more to do.
    assert apply_retention(NOW).of(world.testdorp.pk)["messages"] == 0


# --- incidents ------------------------------------------------------------------------------------


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 10)).save(out, format="JPEG")
    return out.getvalue()


def test_incident_with_its_media_is_kept_a_year_then_deleted(world: World, django_capture_on_commit_callbacks):
    incident = report(world)
    attachment = incident_services.add_attachment(
        actor=world.admin_a, incident=incident, upload=SimpleUploadedFile("foto.jpg", _jpeg())
    )
    path = attachment.file.path
    Incident.objects.filter(pk=incident.pk).update(created_at=NOW - days(365) + SECOND)
    apply_retention(NOW)
    assert Incident.objects.filter(pk=incident.pk).exists()
    Incident.objects.filter(pk=incident.pk).update(created_at=NOW - days(365) - SECOND)
    with django_capture_on_commit_callbacks(execute=True):
        result = apply_retention(NOW)
    assert not Incident.objects.filter(pk=incident.pk).exists()
    assert not IncidentAttachment.objects.exists()
    assert not os.path.exists(path)
    assert (result.of(world.testdorp.pk)["incidents"], result.of(world.testdorp.pk)["attachments"]) == (1, 1)


# --- audit ----------------------------------------------------------------------------------------


def test_audit_events_are_deleted_whole_after_two_years(world: World):
    old = record(SYSTEM, AuditEvent.Action.APPLICATION_VIEWED, world.group_a, municipality_id=world.testdorp.pk)
    young = record(SYSTEM, AuditEvent.Action.APPLICATION_VIEWED, world.group_a, municipality_id=world.testdorp.pk)
    global_old = record(SYSTEM, AuditEvent.Action.API_TOKEN_CREATED)
    # created_at cannot be changed through the append-only model: straight in the table.
    from django.db import connection

    with connection.cursor() as cursor:
        table = AuditEvent._meta.db_table
        for event, age in ((old, days(730) + SECOND), (young, days(730) - SECOND), (global_old, days(731))):
            cursor.execute(f"UPDATE {table} SET created_at = %s WHERE id = %s", [NOW - age, event.pk])  # noqa: S608
    apply_retention(NOW)
    remaining = set(AuditEvent.objects.values_list("pk", flat=True))
    assert young.pk in remaining and old.pk not in remaining and global_old.pk not in remaining
    # Elsewhere the log stays append-only.
    with pytest.raises(Exception):  # noqa: B017 (PermissionDenied)
        AuditEvent.objects.filter(pk=young.pk).delete()


# --- per municipality, dry run, report ------------------------------------------------------------


def test_each_municipality_has_its_own_periods(world: World):
    world.testdorp.retention_applications_days = 5
    world.testdorp.save()
    a = stored_application(world.group_a, World.ADDRESS_A)
    nl = stored_application(world.group_nl, World.ADDRESS_NL, phone="06 12345678")
    Application.objects.update(created_at=NOW - days(6))
    apply_retention(NOW)
    assert not Application.objects.filter(pk=a.pk).exists()  # Testdorp: 5 days
    assert Application.objects.filter(pk=nl.pk).exists()  # Grensstad: the default 30


def test_dry_run_deletes_nothing_and_records_nothing(world: World):
    stored_application(world.group_a, World.ADDRESS_A)
    Application.objects.update(created_at=NOW - days(40))
    member = add_member(world.group_a, 3)
    Member.objects.filter(pk=member.pk).update(left_at=NOW - days(400))
    before = (Application.objects.count(), Member.objects.count(), AuditEvent.objects.count())
    result = apply_retention(NOW, dry_run=True)
    assert (Application.objects.count(), Member.objects.count(), AuditEvent.objects.count()) == before
    assert result.dry_run and result.of(world.testdorp.pk)["applications"] == 1
    assert result.of(world.testdorp.pk)["members"] == 1


def test_report_is_an_audit_event_with_counts_only(world: World):
    stored_application(world.group_a, World.ADDRESS_A)
    Application.objects.update(created_at=NOW - days(40))
    apply_retention(NOW)
    event = AuditEvent.objects.get(action=AuditEvent.Action.RETENTION_APPLIED)
    assert event.municipality_id == world.testdorp.pk and event.actor is None
    assert event.data == {"applications": 1}
    text = json.dumps(event.data)
    assert "Peeters" not in text and "3870" not in text and "@" not in text
    # Nothing to do: no event.
    apply_retention(NOW)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.RETENTION_APPLIED).count() == 1


def test_command_reports_per_municipality_and_dry_run_changes_nothing(world: World):
    stored_application(world.group_a, World.ADDRESS_A)
    Application.objects.update(created_at=timezone.now() - days(40))
    out = io.StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert "Testdorp\t1\t0\t0\t0\t0\t0" in out.getvalue() and "Dry run" in out.getvalue()
    assert Application.objects.count() == 1
    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    assert "Testdorp\t1" in out.getvalue() and Application.objects.count() == 0
    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    assert "Nothing is past its retention period" in out.getvalue()


def test_the_worker_runs_it_as_a_periodic_job():
    from apps.messaging.hooks import background_jobs

    jobs = {job.name: job for job in background_jobs(slow=False)}
    assert jobs["apply-retention"].every == 6 * 3600
    from buurtwacht.celery import app

    assert app.conf.beat_schedule["apply-retention"]["task"] == "apps.retention.tasks.apply_retention"
