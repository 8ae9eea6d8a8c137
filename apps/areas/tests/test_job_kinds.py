"""Kinds of import: each app registers the runner of its own kind with the queue; a job of a kind
nobody runs is refused with a reason and imports nothing; with Celery the queue sends its task."""

from __future__ import annotations

import ast
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from apps.addresses.jobs import run_address_import
from apps.addresses.models import Address
from apps.areas import jobs, tasks
from apps.areas.models import Area, ImportJob


def test_each_kind_of_the_upload_screen_is_run_by_the_app_that_owns_it():
    assert jobs._runners[ImportJob.Kind.AREAS] is jobs.run_area_import
    assert jobs._runners[ImportJob.Kind.ADDRESSES] is run_address_import
    assert set(ImportJob.Kind.values) <= set(jobs._runners)


def test_the_queue_knows_nothing_of_the_address_register():
    source = Path(jobs.__file__).read_text(encoding="utf-8")
    imported = {node.module or "" for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ImportFrom)} | {
        alias.name for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Import) for alias in node.names
    }
    assert not [name for name in imported if name.startswith("apps.addresses")]


def test_a_job_of_a_kind_nobody_runs_is_refused_with_a_reason(world, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    upload = tmp_path / "straten.csv"
    upload.write_text("postcode,street\n3870,Kerkstraat\n", encoding="utf-8")
    job = ImportJob.objects.create(
        municipality=world.testdorp,
        kind="streets",
        path=str(upload),
        original_name="straten.csv",
        options={"language": "en"},
        created_by=world.coordinator,
    )
    counts = (Area.objects.count(), Address.objects.count())
    assert jobs.run_due_jobs() == 1
    job.refresh_from_db()
    assert (job.status, job.progress, job.details) == ("failed", 100, [])
    assert job.summary == "No import of this kind (streets) is known; nothing was imported."
    assert job.finished_at is not None and not upload.exists()
    assert (Area.objects.count(), Address.objects.count()) == counts


def test_with_celery_a_queued_job_is_sent_to_its_task(
    world, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    settings.VAR_DIR = tmp_path
    settings.BUURTWACHT_WORKER = "celery"
    assert tasks.run_import_job is jobs.run_import_job  # the name Celery's autodiscovery finds
    sent = []
    monkeypatch.setattr(jobs, "wake", lambda task, *args: sent.append((task, *args)))
    upload = SimpleUploadedFile("adressen.csv", b"postcode,house_number,addition,street,town,lat,lon\n")
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.queue_import(actor=world.coordinator, municipality=world.testdorp, kind="addresses", upload=upload)
    assert sent == [(jobs.run_import_job, job.pk)]
    tasks.run_import_job(job.pk)  # what the Celery worker runs
    job.refresh_from_db()
    assert job.status == "failed" and "no addresses" in job.summary
