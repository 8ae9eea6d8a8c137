"""The coordinator's upload screen: the file is queued, the worker imports it, the page polls."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.addresses.models import Address
from apps.areas.jobs import run_due_jobs
from apps.areas.models import Area, ImportJob
from testkit.world import PASSWORD, box


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def geojson_upload(*features, name="wijken.geojson"):
    data = {"type": "FeatureCollection", "features": list(features)}
    return SimpleUploadedFile(name, json.dumps(data).encode(), content_type="application/geo+json")


def feature(name, geometry):
    return {"type": "Feature", "properties": {"name": name}, "geometry": geometry}


def test_upload_queue_run_and_poll(world, client, var_dir):
    client.login(username="coordinator", password=PASSWORD)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # the summary is written in the uploader's language
    url = f"/beheer/gemeente/{world.testdorp.pk}/importeren/"
    assert client.get(url).status_code == 200
    upload = geojson_upload(feature("Oost", box(5.32, 50.74, 5.34, 50.76)))
    response = client.post(url, {"kind": "areas", "file": upload})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/importeren/{job.pk}/")
    assert job.status == "queued" and not Area.objects.filter(name="Oost").exists()
    status = client.get(f"/beheer/importeren/{job.pk}/status.json").json()
    assert status == {**status, "status": "queued", "finished": False, "progress": 0}
    assert run_due_jobs() == 1
    status = client.get(f"/beheer/importeren/{job.pk}/status.json").json()
    assert status["status"] == "done" and status["finished"] and status["progress"] == 100
    assert "1 new" in status["summary"]
    assert Area.objects.get(name="Oost").municipality == world.testdorp
    assert client.get(f"/beheer/importeren/{job.pk}/").status_code == 200
    assert not list(var_dir.joinpath("imports").iterdir())  # the uploaded file is gone


def test_a_refused_file_names_the_feature_and_changes_nothing(world, client, var_dir):
    client.login(username="coordinator", password=PASSWORD)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[5.30, 50.74], [5.32, 50.76], [5.32, 50.74], [5.30, 50.76], [5.30, 50.74]]],
    }
    client.post(
        f"/beheer/gemeente/{world.testdorp.pk}/importeren/",
        {"kind": "areas", "file": geojson_upload(feature("Vlinder", bowtie))},
    )
    before = Area.objects.count()
    run_due_jobs()
    job = ImportJob.objects.get()
    assert job.status == "failed" and "nothing was imported" in job.summary
    assert any("Vlinder" in line for line in job.details)
    assert Area.objects.count() == before


def test_addresses_upload_keeps_other_municipalities_addresses(world, client, var_dir):
    client.login(username="coordinator", password=PASSWORD)
    csv = (
        "postcode,house_number,addition,street,town,lat,lon\n"
        "3870,20,,Kerkstraat,Testdorp,50.7455,5.3105\n"
        "6211 AB,10,,Markt,Grensstad,50.80,5.60\n"  # Grensstad's address: not moved by Testdorp
    )
    upload = SimpleUploadedFile("adressen.csv", csv.encode(), content_type="text/csv")
    client.post(f"/beheer/gemeente/{world.testdorp.pk}/importeren/", {"kind": "addresses", "file": upload})
    run_due_jobs()
    assert ImportJob.objects.get().status == "done"
    assert Address.objects.get(street="Kerkstraat").municipality == world.testdorp
    markt = Address.objects.get(street="Markt")
    assert (markt.municipality, markt.lat) == (world.grensstad, 50.85)


def test_empty_upload_is_refused(world, client, var_dir):
    client.login(username="coordinator", password=PASSWORD)
    response = client.post(
        f"/beheer/gemeente/{world.testdorp.pk}/importeren/",
        {"kind": "areas", "file": SimpleUploadedFile("leeg.geojson", b"")},
    )
    assert response.status_code == 400 and not ImportJob.objects.exists()


@pytest.mark.parametrize("username", ["coordinator_nl", "admin_a", "police"])
def test_other_roles_cannot_upload_or_see_jobs(world, client, var_dir, username):
    client.login(username="coordinator", password=PASSWORD)
    client.post(
        f"/beheer/gemeente/{world.testdorp.pk}/importeren/",
        {"kind": "areas", "file": geojson_upload(feature("Oost", box(5.32, 50.74, 5.34, 50.76)))},
    )
    job = ImportJob.objects.get()
    client.logout()
    client.login(username=username, password=PASSWORD)
    upload = geojson_upload(feature("Kaping", box(5.32, 50.74, 5.34, 50.76)))
    assert (
        client.post(f"/beheer/gemeente/{world.testdorp.pk}/importeren/", {"kind": "areas", "file": upload}).status_code
        == 404
    )
    assert client.get(f"/beheer/importeren/{job.pk}/").status_code == 404
    assert client.get(f"/beheer/importeren/{job.pk}/status.json").status_code == 404
    assert ImportJob.objects.count() == 1


def test_the_summary_follows_the_uploaders_language(world, client, var_dir):
    client.login(username="coordinator", password=PASSWORD)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "nl"
    upload = geojson_upload(feature("Oost", box(5.32, 50.74, 5.34, 50.76)))
    client.post(f"/beheer/gemeente/{world.testdorp.pk}/importeren/", {"kind": "areas", "file": upload})
    assert ImportJob.objects.get().options["language"] == "nl"


def test_an_import_interrupted_by_a_stopped_worker_runs_again(world, client, var_dir):
    """The embedded worker was stopped in the middle of an import: its successor queues the job
    again and runs it from the start; an upsert, so nothing is counted twice."""
    from apps.areas.jobs import requeue_interrupted

    client.login(username="coordinator", password=PASSWORD)
    url = f"/beheer/gemeente/{world.testdorp.pk}/importeren/"
    client.post(url, {"kind": "areas", "file": geojson_upload(feature("Oost", box(5.32, 50.74, 5.34, 50.76)))})
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status="running", progress=40)  # the worker died here
    assert run_due_jobs() == 0  # nobody takes a running job
    assert requeue_interrupted() == 1
    job.refresh_from_db()
    assert (job.status, job.progress, job.started_at) == ("queued", 0, None)
    assert run_due_jobs() == 1
    job.refresh_from_db()
    assert job.status == "done" and Area.objects.filter(name="Oost").count() == 1
    assert requeue_interrupted() == 0  # a finished job stays finished


def test_an_interrupted_import_whose_file_is_gone_is_refused_with_a_reason(world, client, var_dir):
    from pathlib import Path

    from apps.areas.jobs import requeue_interrupted

    client.login(username="coordinator", password=PASSWORD)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = f"/beheer/gemeente/{world.testdorp.pk}/importeren/"
    client.post(url, {"kind": "areas", "file": geojson_upload(feature("Oost", box(5.32, 50.74, 5.34, 50.76)))})
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status="running")
    Path(job.path).unlink()
    assert requeue_interrupted() == 0
    job.refresh_from_db()
    assert job.status == "failed" and "upload the file again" in job.summary
    assert job.finished_at is not None and not Area.objects.filter(name="Oost").exists()
