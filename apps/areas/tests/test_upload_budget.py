"""Area files that would take the worker down: refused before they are decoded, or read in a
child process with a memory and time budget; jobs that stopped the worker twice are not started
again."""

from __future__ import annotations

import io
import json
import os
import resource
import signal
import sqlite3
import struct
import time
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from apps.areas import importer, jobs, readers
from apps.areas.models import Area, ImportJob
from apps.core import limits

# GeoPackage geometry header (GP, version 0, little-endian, no envelope) and a WKB polygon.
WKB_SQUARE = struct.pack("<bIII", 1, 3, 1, 5) + struct.pack(
    "<10d", 5.30, 50.74, 5.31, 50.74, 5.31, 50.75, 5.30, 50.75, 5.30, 50.74
)
GP_BLOB = b"GP\x00\x01" + struct.pack("<i", 4326) + WKB_SQUARE


def _geopackage(path: Path, layer_sql: str) -> Path:
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT, srs_id INTEGER PRIMARY KEY, organization TEXT,
            organization_coordsys_id INTEGER, definition TEXT, description TEXT);
        INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84', 4326, 'EPSG', 4326, 'undefined', '');
        CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT, geometry_type_name TEXT,
            srs_id INTEGER, z TINYINT, m TINYINT);
        INSERT INTO gpkg_geometry_columns VALUES ('wijken', 'geom', 'POLYGON', 4326, 0, 0);
        """
    )
    db.execute(layer_sql)
    db.commit()
    db.close()
    return path


def test_a_geopackage_whose_layer_is_an_endless_recursive_view_is_refused_unread(tmp_path, monkeypatch):
    # 12 KB on disk; its "table" is a query that yields rows without end. Read as a table, it grew
    # the worker's memory until it was killed.
    view = (
        "CREATE VIEW wijken AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
        "SELECT n AS fid, 'wijk ' || n AS name, X'HEX' AS geom FROM r"
    ).replace("HEX", GP_BLOB.hex())
    path = _geopackage(tmp_path / "oneindig.gpkg", view)
    assert path.stat().st_size < 20_000
    rows = []
    monkeypatch.setattr(readers, "RawFeature", lambda **kw: rows.append(kw) or pytest.fail("a row was read"))
    with pytest.raises(ValidationError) as refused:
        readers.read_area_file(path, 10 * 1024 * 1024)
    assert "wijken" in refused.value.messages[0] and "only tables are read" in refused.value.messages[0]
    assert rows == []


def test_a_geopackage_with_a_computed_column_or_a_view_as_catalogue_is_refused(tmp_path):
    path = _geopackage(
        tmp_path / "berekend.gpkg",
        "CREATE TABLE wijken (fid INTEGER PRIMARY KEY, name TEXT, geom BLOB, big BLOB AS (zeroblob(900000000)))",
    )
    with pytest.raises(ValidationError, match="computed columns"):
        readers.read_area_file(path, 10 * 1024 * 1024)

    path = tmp_path / "catalogus.gpkg"
    db = sqlite3.connect(path)
    db.executescript(
        "CREATE TABLE gpkg_spatial_ref_sys (srs_id INTEGER, organization TEXT, organization_coordsys_id INTEGER, "
        "definition TEXT);"
        "CREATE VIEW gpkg_geometry_columns AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
        "SELECT 'wijken' AS table_name, 'geom' AS column_name, 4326 AS srs_id FROM r;"
    )
    db.close()
    with pytest.raises(ValidationError, match="gpkg_geometry_columns"):
        readers.read_area_file(path, 10 * 1024 * 1024)


def test_a_geopackage_that_is_a_table_is_still_read(tmp_path):
    path = _geopackage(tmp_path / "goed.gpkg", "CREATE TABLE wijken (fid INTEGER PRIMARY KEY, name TEXT, geom BLOB)")
    db = sqlite3.connect(path)
    db.execute("INSERT INTO wijken VALUES (1, 'Noord', ?)", (GP_BLOB,))
    db.commit()
    db.close()
    raw = readers.read_area_file(path, 10 * 1024 * 1024)
    assert [f.properties["name"] for f in raw.features] == ["Noord"] and raw.epsg == 4326


def _zipped_shapefile(points: int) -> bytes:
    """A Shapefile of one polygon record with ``points`` points (all zeros: they pack to nearly
    nothing), zipped: a few KB that unpack to 16 bytes a point."""
    content = struct.pack("<i4d2i", 5, 0, 0, 0, 0, 1, points) + struct.pack("<i", 0) + bytes(16 * points)
    record = struct.pack(">2i", 1, len(content) // 2) + content
    header = lambda length: struct.pack(">7i", 9994, 0, 0, 0, 0, 0, length // 2) + struct.pack(  # noqa: E731
        "<2i4d4d", 1000, 5, 0, 0, 0, 0, 0, 0, 0, 0
    )
    shp = header(100 + len(record)) + record
    shx = header(108) + struct.pack(">2i", 50, len(content) // 2)
    dbf = (
        struct.pack("<4BIHH20x", 3, 124, 1, 1, 1, 65, 21)
        + b"NAME".ljust(11, b"\0")
        + b"C"
        + bytes(4)
        + bytes([20, 0])
        + bytes(14)
        + b"\r"
        + b" "
        + b"Noord".ljust(20)
        + b"\x1a"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("wijken.shp", shp)
        archive.writestr("wijken.shx", shx)
        archive.writestr("wijken.dbf", dbf)
    return out.getvalue()


def test_a_zip_bomb_shapefile_is_refused_before_its_points_are_read(tmp_path, monkeypatch):
    # 2 million points: 32 MB unpacked from about 35 KB. pyshp read them all into lists of
    # tuples (about 1.6 GB for an 805 KB zip of this kind) before any check.
    path = tmp_path / "bom.zip"
    path.write_bytes(_zipped_shapefile(2_000_000))
    assert path.stat().st_size < 100_000
    import shapefile

    monkeypatch.setattr(shapefile, "Reader", lambda *a, **kw: pytest.fail("pyshp read the points"))
    with pytest.raises(ValidationError) as refused:
        readers.read_area_file(path, 200 * 1024 * 1024)
    assert "more than 200000 points" in refused.value.messages[0]


def test_a_zip_that_unpacks_beyond_the_upload_limit_is_refused(tmp_path):
    path = tmp_path / "groot.zip"
    path.write_bytes(_zipped_shapefile(100_000))  # 1.6 MB unpacked
    with pytest.raises(ValidationError, match="unpacks to more than the upload limit"):
        readers.read_area_file(path, 1024 * 1024)


def test_a_small_shapefile_is_still_read(tmp_path):
    path = tmp_path / "klein.zip"
    path.write_bytes(_zipped_shapefile(5))
    raw = readers.read_area_file(path, 1024 * 1024)
    assert raw.kind == "Shapefile" and len(raw.features) == 1


def test_too_many_features_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(readers, "MAX_FEATURES", 3)
    feature = {"type": "Feature", "properties": {"name": "x"}, "geometry": None}
    path = tmp_path / "veel.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature] * 4}))
    with pytest.raises(ValidationError, match="more than 3 features"):
        readers.read_area_file(path, 1024 * 1024)


# The child process and its limits.


def report_limits() -> dict:
    return {"as": resource.getrlimit(resource.RLIMIT_AS), "cpu": resource.getrlimit(resource.RLIMIT_CPU)}


def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def refuse() -> None:
    raise ValidationError("refused in the child")


def test_the_child_runs_with_memory_and_cpu_limits():
    budget = limits.Budget(memory_bytes=256 * 1024 * 1024, cpu_seconds=30, wall_seconds=60)
    seen = limits.run_limited(report_limits, budget=budget)
    soft_as, hard_as = seen["as"]
    assert soft_as == hard_as != resource.RLIM_INFINITY and soft_as > budget.memory_bytes
    soft_cpu, hard_cpu = seen["cpu"]
    assert soft_cpu != resource.RLIM_INFINITY and soft_cpu <= 30 + 60 and hard_cpu == soft_cpu + 1
    # This process keeps its own limits.
    assert resource.getrlimit(resource.RLIMIT_AS)[0] != soft_as


def test_a_child_that_needs_more_memory_than_its_budget_is_stopped_and_the_caller_is_unharmed():
    budget = limits.Budget(memory_bytes=64 * 1024 * 1024, cpu_seconds=30, wall_seconds=60)
    with pytest.raises(limits.BudgetExceeded) as exceeded:
        limits.run_limited(allocate, 512, budget=budget)
    assert exceeded.value.reason == "memory"
    assert limits.run_limited(allocate, 8, budget=budget) == 8 * 1024 * 1024
    with pytest.raises(ValidationError, match="refused in the child"):
        limits.run_limited(refuse, budget=budget)


def test_an_upload_too_large_to_read_within_the_budget_is_refused_with_a_message(tmp_path, settings):
    # One outline of 600,000 points: json.load alone takes far more than 64 MB.
    ring = [[5.3 + i * 1e-7, 50.74] for i in range(600_000)] + [[5.3, 50.75], [5.3, 50.74]]
    path = tmp_path / "zwaar.geojson"
    path.write_text(json.dumps({"type": "Polygon", "coordinates": [ring]}))
    budget = limits.Budget(memory_bytes=64 * 1024 * 1024, cpu_seconds=60, wall_seconds=120)
    with pytest.raises(ValidationError) as refused:
        readers.read_limited(path, settings.BUURTWACHT_MAX_AREA_FILE, budget)
    assert "needs more memory than allowed" in refused.value.messages[0]


# Jobs: the budget, the attempts, cancelling.


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def _job(world, var_dir, name="upload.geojson", **fields) -> ImportJob:
    path = var_dir / name
    box = [[5.32, 50.74], [5.34, 50.74], [5.34, 50.76], [5.32, 50.76], [5.32, 50.74]]
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "Oost"},
                        "geometry": {"type": "Polygon", "coordinates": [box]},
                    }
                ],
            }
        )
    )
    return ImportJob.objects.create(
        municipality=world.testdorp,
        kind=ImportJob.Kind.AREAS,
        path=str(path),
        original_name=name,
        options={"language": "en"},
        created_by=world.coordinator,
        **fields,
    )


def test_an_uploaded_area_file_is_read_within_the_configured_budget(world, var_dir, settings, monkeypatch):
    settings.BUURTWACHT_PARSE_MEMORY = 300 * 1024 * 1024
    settings.BUURTWACHT_PARSE_CPU_SECONDS = 40
    settings.BUURTWACHT_PARSE_WALL_SECONDS = 80
    budgets = []
    real = importer.read_limited

    def spy(path, max_bytes, budget, cancelled=None):
        budgets.append(budget)
        return real(path, max_bytes, budget, cancelled=cancelled)

    monkeypatch.setattr(importer, "read_limited", spy)
    job = _job(world, var_dir)
    assert jobs.run_due_jobs() == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.summary
    assert budgets == [limits.Budget(300 * 1024 * 1024, 40, 80)]
    assert job.attempts == 1 and Area.objects.filter(name="Oost").exists()


def test_a_job_that_stopped_the_worker_twice_is_not_started_again(world, var_dir):
    once = _job(world, var_dir, status=ImportJob.Status.RUNNING, attempts=1)
    twice = _job(world, var_dir, "twice.geojson", status=ImportJob.Status.RUNNING, attempts=2)
    assert jobs.requeue_interrupted() == 1
    once.refresh_from_db()
    twice.refresh_from_db()
    assert once.status == ImportJob.Status.QUEUED
    assert twice.status == ImportJob.Status.FAILED and "2 times" in twice.summary
    assert jobs.run_due_jobs() == 1
    once.refresh_from_db()
    assert once.attempts == 2 and once.status == ImportJob.Status.DONE


def test_a_job_cancelled_while_running_writes_nothing(world, var_dir):
    job = _job(world, var_dir)
    claimed = jobs._claim()
    assert claimed.pk == job.pk
    jobs.cancel_job(claimed, actor=world.coordinator)
    jobs.run(claimed)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CANCELLED and "Cancelled" in job.summary
    assert not Area.objects.filter(name="Oost").exists()


def test_a_job_being_written_can_no_longer_be_cancelled(world, var_dir):
    job = _job(world, var_dir, status=ImportJob.Status.RUNNING, progress=100)
    with pytest.raises(ValidationError, match="can no longer be cancelled"):
        jobs.cancel_job(job, actor=world.coordinator)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING


def stopped_from_outside() -> None:
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(30)


def test_a_child_ended_by_sigterm_is_stopped_not_crashed(caplog):
    budget = limits.Budget(memory_bytes=256 * 1024 * 1024, cpu_seconds=30, wall_seconds=60)
    with caplog.at_level("INFO", logger="apps.core.limits"), pytest.raises(limits.Stopped) as stopped:
        limits.run_limited(stopped_from_outside, budget=budget)
    # Still a BudgetExceeded, for the callers that do not tell a stop apart.
    assert isinstance(stopped.value, limits.BudgetExceeded) and stopped.value.reason == "stopped"
    assert [r.levelname for r in caplog.records if r.name == "apps.core.limits"] == ["INFO"]
