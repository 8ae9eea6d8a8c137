"""A coordinator cancels an import of their own municipality from the job's page; nobody else can."""

from __future__ import annotations

import pytest

from apps.areas.models import ImportJob
from apps.audit.models import AuditEvent
from testkit.world import PASSWORD


@pytest.fixture
def job(world, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    path = tmp_path / "wijken.geojson"
    path.write_text("{}")
    return ImportJob.objects.create(
        municipality=world.testdorp,
        kind=ImportJob.Kind.AREAS,
        path=str(path),
        original_name="wijken.geojson",
        options={"language": "en"},
        created_by=world.coordinator,
    )


def test_the_coordinator_cancels_a_waiting_import_from_its_page(client, world, job):
    client.login(username="coordinator", password=PASSWORD)
    page = client.get(f"/beheer/importeren/{job.pk}/")
    assert f'action="/beheer/importeren/{job.pk}/annuleren/"' in page.content.decode()
    response = client.post(f"/beheer/importeren/{job.pk}/annuleren/")
    assert response.status_code == 302 and response["Location"].endswith(f"/importeren/{job.pk}/")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED and job.finished_at is not None
    event = AuditEvent.objects.get(action=AuditEvent.Action.IMPORT_CANCELLED)
    assert event.actor_id == world.coordinator.pk
    status = client.get(f"/beheer/importeren/{job.pk}/status.json").json()
    assert status["status"] == "cancelled" and status["finished"]
    # Once cancelled there is nothing left to cancel: no button, and a second POST changes nothing.
    assert "annuleren/" not in client.get(f"/beheer/importeren/{job.pk}/").content.decode()
    client.post(f"/beheer/importeren/{job.pk}/annuleren/")
    assert AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT_CANCELLED).count() == 1


@pytest.mark.parametrize("username", ["coordinator_nl", "admin_a", "co_admin_a", "police", "nobody"])
def test_others_cannot_cancel_it_and_nothing_changes(client, world, job, username):
    client.login(username=username, password=PASSWORD)
    response = client.post(f"/beheer/importeren/{job.pk}/annuleren/")
    assert response.status_code == 404
    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.IMPORT_CANCELLED).exists()


def test_without_logging_in_or_with_get_nothing_is_cancelled(client, world, job):
    response = client.post(f"/beheer/importeren/{job.pk}/annuleren/")
    assert response.status_code == 302  # to the login page
    client.login(username="coordinator", password=PASSWORD)
    response = client.get(f"/beheer/importeren/{job.pk}/annuleren/")
    assert response.status_code == 302 and response.url == f"/beheer/importeren/{job.pk}/"
    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED


def test_a_finished_import_cannot_be_cancelled(client, world, job):
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.DONE, progress=100)
    client.login(username="coordinator", password=PASSWORD)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(f"/beheer/importeren/{job.pk}/annuleren/", follow=True)
    assert "can no longer be cancelled" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
