"""What the area libraries say (Python's json, shapely, GEOS, zipfile, pyshp, SQLite) never
reaches a person: each error is told in their language, says what to do, and gives the line
where reading stopped or the place of the fault (latitude first) as numbers. The library's own
words go to the log (INFO), for support.

The new sentences are asserted in English; in Dutch and French (whose translations are filled
in later) the test asserts that none of the library's English fragments shows."""

from __future__ import annotations

import json
import logging
import sqlite3
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from apps.areas.geometry import parse_area_geometry
from apps.areas.importer import AreaImportRefused, import_areas
from apps.areas.jobs import run_due_jobs
from apps.areas.models import Area, ImportJob
from apps.audit.models import AuditEvent
from apps.core.actors import SYSTEM
from apps.groups.models import Group
from apps.municipalities.models import Municipality
from testkit.world import PASSWORD

LANGUAGES = ("nl", "fr")

# A bow tie whose lines cross at longitude 5.2225, latitude 50.7375 (GEOS: "[5.2225 50.7375]").
BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[5.22, 50.73], [5.225, 50.745], [5.225, 50.73], [5.22, 50.745], [5.22, 50.73]]],
}
TWO_POINTS = {"type": "Polygon", "coordinates": [[[5.3, 50.74], [5.31, 50.75]]]}
TEXT = b"Dit is geen GeoJSON, maar een gewone tekst.\n"
BROKEN_AT_LINE_3 = b'{\n  "type": "Polygon",\n  "coordinates": [[[5.3, 50.74], [5.31 50.75]]]\n}\n'

# What the libraries say, in English: none of it may reach a person.
LIBRARY_WORDS = (
    "Expecting",
    "line 1 column",
    "(char ",
    "delimiter",
    "linearring",
    "LinearRing",
    "coordinates.",
    "Self-intersection",
    "Ring Self-intersection",
    "Too few points",
    "Hole lies outside shell",
    "Holes are nested",
    "Nested shells",
    "Interior is disconnected",
    "Duplicate Rings",
    "Ring is not closed",
    "Invalid Coordinate",
    "[5.2225 50.7375]",
    "File is not a zip file",
    "encrypted",
    "password required",
    "Declared file size",
    "unknown encoding",
    "file is not a database",
    "no gpkg_geometry_columns",
    "GP header",
    "no column",
    "Error",
    "Exception",
)


def leaks(text: str) -> list[str]:
    return [word for word in LIBRARY_WORDS if word in text]


def refusal(value) -> str:
    with pytest.raises(ValidationError) as caught:
        parse_area_geometry(value)
    return " ".join(caught.value.messages)


# --- parse_area_geometry: every outline drawn, pasted or uploaded on the desk or the public pages


@pytest.mark.parametrize(
    ("value", "english"),
    [
        (TEXT.decode(), "This is not valid GeoJSON: it is not JSON text."),
        (BROKEN_AT_LINE_3.decode(), "This is not valid GeoJSON: reading stopped at line 3."),
        ("{not json", "This is not valid GeoJSON: reading stopped at line 1."),
        ("", "This is not valid GeoJSON: it is not JSON text."),
        (TWO_POINTS, "A ring of the area's outline has fewer than 4 points."),
        (
            {"type": "MultiPolygon", "coordinates": [TWO_POINTS["coordinates"]]},
            "A ring of the area's outline has fewer than 4 points.",
        ),
        ({"type": "Polygon", "coordinates": "abc"}, "The coordinates of the area's outline cannot be read"),
        ({"type": "Polygon", "coordinates": [[5.3, 50.74], [5.31, 50.75]]}, "cannot be read"),
        ({"type": "Polygon", "coordinates": [[[5.3, 50.74], [5.31], [5.3, 50.75], [5.3, 50.74]]]}, "cannot be read"),
        ({"type": "Polygon"}, "cannot be read"),  # no coordinates at all: was a KeyError, a server error
        (
            BOWTIE,
            "The area's outline is not valid: it crosses itself near latitude 50.7375, longitude 5.2225. "
            "Move the points there so that there are no crossing lines.",
        ),
        ({}, 'it has no "type"'),
        ({"type": "Feature", "geometry": None}, "The feature has no geometry."),
    ],
    ids=[
        "text",
        "broken-json",
        "half-json",
        "nothing",
        "two-points",
        "two-points-multi",
        "string-coordinates",
        "flat-coordinates",
        "ragged-coordinates",
        "no-coordinates",
        "self-intersection",
        "no-type",
        "no-geometry",
    ],
)
def test_each_library_error_is_told_in_words_of_our_own(value, english):
    with translation.override("en"):
        message = refusal(value)
    assert english in message
    assert not leaks(message), message
    for language in LANGUAGES:
        with translation.override(language):
            message = refusal(value)
        assert not leaks(message), (language, message)


def test_the_place_of_a_crossing_is_told_latitude_first(caplog):
    with caplog.at_level(logging.INFO, logger="apps.areas.problems"):
        message = refusal(BOWTIE)
    assert "near latitude 50.7375, longitude 5.2225" in message
    # GEOS's own words are kept for support, in the log.
    assert "Self-intersection[5.2225 50.7375]" in caplog.text
    for language in LANGUAGES:
        with translation.override(language):
            message = refusal(BOWTIE)
        assert "50.7375" in message and "5.2225" in message


def test_the_library_text_goes_to_the_log(caplog):
    with caplog.at_level(logging.INFO, logger="apps.areas.problems"):
        refusal(TEXT.decode())
        refusal(TWO_POINTS)
    assert "Expecting value: line 1 column 1 (char 0)" in caplog.text
    assert "A linearring requires at least 4 coordinates" in caplog.text


def ring(lon, lat, size):
    return [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]


# Each reason GEOS gives, from a real outline of that fault (around Testdorp, in lon/lat).
REASONS = [
    (
        {
            "type": "Polygon",
            "coordinates": [
                [
                    [5.30, 50.74],
                    [5.32, 50.74],
                    [5.31, 50.75],
                    [5.32, 50.76],
                    [5.30, 50.76],
                    [5.31, 50.75],
                    [5.30, 50.74],
                ]
            ],
        },
        "it touches itself in one point near latitude 50.75, longitude 5.31",
        "Ring Self-intersection",
    ),
    (
        {"type": "Polygon", "coordinates": [ring(5.30, 50.74, 0.01), ring(5.32, 50.76, 0.01)]},
        "a hole near latitude 50.76, longitude 5.32 lies outside the area",
        "Hole lies outside shell",
    ),
    (
        {"type": "MultiPolygon", "coordinates": [[ring(5.30, 50.74, 0.04)], [ring(5.31, 50.75, 0.01)]]},
        "a part of the area near latitude 50.75, longitude 5.31 lies inside another part",
        "Nested shells",
    ),
    (
        {
            "type": "Polygon",
            "coordinates": [
                ring(5.30, 50.74, 0.04),
                [[5.30, 50.76], [5.32, 50.74], [5.34, 50.76], [5.32, 50.78], [5.30, 50.76]],
            ],
        },
        "cut the area into pieces",
        "Interior is disconnected",
    ),
    (
        {"type": "Polygon", "coordinates": [ring(5.30, 50.74, 0.10), ring(5.31, 50.75, 0.08), ring(5.32, 50.76, 0.02)]},
        "a hole near latitude 50.76, longitude 5.32 lies inside another hole",
        "Holes are nested",
    ),
    (
        {"type": "Polygon", "coordinates": [[[5.30, 50.74], [5.31, 50.75], [5.30, 50.74], [5.30, 50.74]]]},
        "a ring near latitude 50.74, longitude 5.3 has fewer than three different corners",
        "Too few points",
    ),
]


@pytest.mark.parametrize(("value", "english", "geos"), REASONS, ids=[r[2] for r in REASONS])
def test_each_reason_of_geos_has_its_own_sentence(value, english, geos, caplog):
    with caplog.at_level(logging.INFO, logger="apps.areas.problems"):
        message = refusal(value)
    assert english in message, message
    assert geos in caplog.text  # what GEOS said, for support
    assert not leaks(message), message
    for language in LANGUAGES:
        with translation.override(language):
            assert not leaks(refusal(value)), language


@pytest.mark.parametrize(
    ("reason", "english"),
    [
        ("Duplicate Rings[5.31 50.75]", "the same ring appears twice near latitude 50.75, longitude 5.31"),
        ("Ring is not closed[5.31 50.75]", "a ring near latitude 50.75, longitude 5.31 is not closed"),
        ("Too few distinct points in geometry component[5.31 50.75]", "fewer than three different corners"),
        ("Nested holes[5.31 50.75]", "lies inside another hole"),
        ("Invalid Coordinate[nan 50.75]", "one of its points has a coordinate that is not a number"),
        (
            "Something GEOS adds one day[5.31 50.75]",
            "The area's outline is not valid near latitude 50.75, longitude 5.31.",
        ),
        ("Something without a place", "The area's outline is not valid. Check it for crossing lines or loose rings"),
    ],
)
def test_reasons_that_real_outlines_rarely_give_and_the_fallback(monkeypatch, reason, english):
    from apps.areas import problems

    monkeypatch.setattr(problems.shapely, "is_valid_reason", lambda geom: reason)
    outline = problems.outline_problem(None)
    assert english in str(outline), str(outline)
    assert reason.split("[")[0] not in str(outline)
    for language in LANGUAGES:
        with translation.override(language):
            text = str(problems.outline_problem(None))
        assert reason.split("[")[0] not in text and "[" not in text, language


def test_swapped_or_projected_coordinates_are_told_as_such_not_as_a_place():
    swapped = {"type": "Polygon", "coordinates": [[[lat, lon] for lon, lat in BOWTIE["coordinates"][0]]]}
    assert "outside Belgium and the Netherlands" in refusal(swapped)


# --- The group form: an uploaded or drawn outline on /beheer/gemeente/<id>/groepen/nieuw/


def snapshot() -> tuple:
    return (
        sorted(Area.objects.values_list("pk", "name", "geometry")),
        sorted(Group.objects.values_list("pk", "name", "area_id")),
        AuditEvent.objects.count(),
    )


def group_form(**overrides) -> dict:
    data = {
        "name": "Buurtwacht Kiezelweg",
        "status": "forming",
        "capacity": "87",
        "invite_link": "",
        "public_description": "Voor de straten rond de Kiezelweg.",
        "area_source": "upload",
        "existing_area": "",
        "area_name": "Kiezelwijk",
        "geometry": "",
        "sub_municipality": "",
    }
    data.update(overrides)
    return data


UPLOADS = [
    (TEXT, "This is not valid GeoJSON: it is not JSON text."),
    (BROKEN_AT_LINE_3, "reading stopped at line 3"),
    (json.dumps(TWO_POINTS).encode(), "fewer than 4 points"),
    (json.dumps(BOWTIE).encode(), "it crosses itself near latitude 50.7375, longitude 5.2225"),
]
UPLOAD_IDS = ["text-file", "broken-json", "ring-of-two-points", "self-intersecting"]


@pytest.mark.parametrize("language", ["en", *LANGUAGES])
@pytest.mark.parametrize(("content", "english"), UPLOADS, ids=UPLOAD_IDS)
def test_an_uploaded_file_is_refused_in_the_coordinators_language(client, world, language, content, english):
    client.force_login(world.coordinator)
    before = snapshot()
    upload = SimpleUploadedFile("gebied.geojson", content, content_type="application/geo+json")
    response = client.post(
        reverse("staff:group_create", args=[world.testdorp.pk]),
        group_form(geojson_file=upload),
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<html lang="{language}"' in page
    errors = " ".join(response.context["form"].errors.get("geojson_file", []))
    assert errors, response.context["form"].errors
    if language == "en":
        assert english in errors
    assert not leaks(errors), errors
    assert not leaks(page.replace("&#x27;", "'")), leaks(page)
    assert snapshot() == before
    # What the coordinator typed comes back.
    form = response.context["form"]
    assert form["name"].value() == "Buurtwacht Kiezelweg"
    assert form["area_name"].value() == "Kiezelwijk"
    assert form["capacity"].value() == "87"
    assert "Voor de straten rond de Kiezelweg." in page and 'value="Buurtwacht Kiezelweg"' in page


@pytest.mark.parametrize("language", ["en", *LANGUAGES])
@pytest.mark.parametrize(("content", "english"), UPLOADS, ids=UPLOAD_IDS)
def test_a_drawn_or_pasted_outline_is_refused_in_the_coordinators_language(client, world, language, content, english):
    client.force_login(world.coordinator)
    before = snapshot()
    response = client.post(
        reverse("staff:group_create", args=[world.testdorp.pk]),
        group_form(area_source="draw", geometry=content.decode()),
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get("geometry", []))
    if language == "en":
        assert english in errors
    assert errors and not leaks(errors), errors
    assert snapshot() == before
    # The outline comes back, so the map shows it for correction.
    assert response.context["form"]["geometry"].value() == content.decode()


# --- Importing area files: GeoJSON, zipped Shapefile, GeoPackage


def write(tmp_path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def features(*items) -> bytes:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {"name": n}, "geometry": g} for n, g in items],
        }
    ).encode()


def refused_import(path, language: str) -> str:
    """Everything the import says about a refused file: its summary and each feature's reason."""
    with translation.override(language), pytest.raises(AreaImportRefused) as caught:
        import_areas(path, municipality="Heers", country="BE", actor=SYSTEM)
    said = list(caught.value.messages)
    if caught.value.result is not None:
        said += [f.reason for f in caught.value.result.refused]
    assert not Area.objects.exists() and not Municipality.objects.exists()
    return " ".join(said)


def shapefile_zip(tmp_path, *, shp: bytes | None = None, cpg: str | None = None) -> bytes:
    import io

    import shapefile

    shp_io, shx_io, dbf_io = io.BytesIO(), io.BytesIO(), io.BytesIO()
    with shapefile.Writer(shp=shp_io, shx=shx_io, dbf=dbf_io, shapeType=shapefile.POLYGON) as writer:
        writer.field("NAAM", "C", size=50)
        writer.poly([[[5.30, 50.74], [5.30, 50.75], [5.31, 50.75], [5.31, 50.74], [5.30, 50.74]]])
        writer.record("Oost")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("wijken.shp", shp if shp is not None else shp_io.getvalue())
        archive.writestr("wijken.shx", shx_io.getvalue())
        archive.writestr("wijken.dbf", dbf_io.getvalue())
        if cpg is not None:
            archive.writestr("wijken.cpg", cpg)
    return buffer.getvalue()


def encrypted_zip() -> bytes:
    import io

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ("wijken.shp", "wijken.shx", "wijken.dbf"):
            archive.writestr(name, b"x" * 200)
    # Python writes no encrypted zips: set the "encrypted" flag of each member in the central
    # directory, so reading a member asks for a password, as it does for a real one.
    data = bytearray(buffer.getvalue())
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) != -1:
        data[start + 8] |= 0x1
        start += 4
    return bytes(data)


def geopackage(tmp_path, *, blob: bytes = b"GPnot a geometry at all", column: str = "geom", catalogue: bool = True):
    path = tmp_path / "buurten.gpkg"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE buurten (fid INTEGER PRIMARY KEY, geom BLOB, name TEXT)")
    if catalogue:
        db.executescript(
            """
            CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT, srs_id INTEGER PRIMARY KEY, organization TEXT,
                organization_coordsys_id INTEGER, definition TEXT, description TEXT);
            CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT, geometry_type_name TEXT,
                srs_id INTEGER, z TINYINT, m TINYINT);
            INSERT INTO gpkg_spatial_ref_sys VALUES ('wgs84', 4326, 'EPSG', 4326, 'undefined', '');
            """
        )
        db.execute("INSERT INTO gpkg_geometry_columns VALUES ('buurten', ?, 'POLYGON', 4326, 0, 0)", (column,))
    db.execute("INSERT INTO buurten (geom, name) VALUES (?, 'Oost')", (blob,))
    db.commit()
    db.close()
    return path


IMPORTS = [
    (lambda tmp: write(tmp, "wijken.geojson", TEXT), "This file is not GeoJSON, a zipped Shapefile or a GeoPackage."),
    (lambda tmp: write(tmp, "wijken.txt", b"\xff\xfe\x00\x01 binary"), "This file is not GeoJSON"),
    (lambda tmp: write(tmp, "wijken.geojson", BROKEN_AT_LINE_3), "reading stopped at line 3"),
    (lambda tmp: write(tmp, "wijken.geojson", features(("Oost", TWO_POINTS))), "fewer than 4 points"),
    (
        lambda tmp: write(tmp, "wijken.geojson", features(("Vlinder", BOWTIE))),
        "it crosses itself near latitude 50.7375, longitude 5.2225. Repairing it would change its surface by more "
        "than 1%: correct it in the file and import the file again.",
    ),
    (lambda tmp: write(tmp, "wijken.zip", b"PK\x03\x04 not really a zip"), "it is damaged or incomplete"),
    (lambda tmp: write(tmp, "wijken.zip", encrypted_zip()), "protected with a password"),
    (lambda tmp: write(tmp, "wijken.zip", shapefile_zip(tmp, shp=b"garbage" * 20)), "The Shapefile cannot be read"),
    (lambda tmp: write(tmp, "wijken.zip", shapefile_zip(tmp, cpg="klingon-8")), "character set"),
    (lambda tmp: write(tmp, "buurten.gpkg", b"SQLite format 3\x00" + b"\x07" * 200), "The GeoPackage cannot be read"),
    (lambda tmp: geopackage(tmp, catalogue=False), "This SQLite file is not a GeoPackage"),
    (lambda tmp: geopackage(tmp), "The shape of this feature cannot be read"),
    (lambda tmp: geopackage(tmp, column="vorm"), "has no such column"),
]
IMPORT_IDS = [
    "text",
    "binary",
    "broken-json",
    "ring-of-two-points",
    "self-intersecting",
    "broken-zip",
    "encrypted-zip",
    "damaged-shp",
    "unknown-cpg",
    "damaged-geopackage",
    "sqlite-not-geopackage",
    "bad-geometry-blob",
    "missing-column",
]


@pytest.mark.django_db
@pytest.mark.parametrize(("make", "english"), IMPORTS, ids=IMPORT_IDS)
def test_an_imported_file_is_refused_in_the_coordinators_language(tmp_path, make, english):
    path = make(tmp_path)
    said = refused_import(path, "en")
    assert english in said, said
    assert not leaks(said), said
    for language in LANGUAGES:
        said = refused_import(path, language)
        assert not leaks(said), (language, said)


@pytest.mark.django_db
def test_a_repaired_outline_is_reported_without_geos_words(tmp_path):
    spike = {  # a square with a zero-width spike: repaired without changing the surface
        "type": "Polygon",
        "coordinates": [
            [[5.30, 50.74], [5.32, 50.74], [5.32, 50.75], [5.33, 50.75], [5.32, 50.75], [5.32, 50.76], [5.30, 50.76]]
            + [[5.30, 50.74]]
        ],
    }
    path = write(tmp_path, "wijken.geojson", features(("Piek", spike)))
    for language in ("en", *LANGUAGES):
        with translation.override(language):
            result = import_areas(path, municipality="Heers", country="BE", dry_run=True, actor=SYSTEM)
        repaired = result.repaired[0].repaired
        assert "50.75" in repaired and "5.33" in repaired
        assert not leaks(repaired), (language, repaired)
        if language == "en":
            assert "it crosses itself near latitude 50.75, longitude 5.33. Repaired: its surface changed by" in repaired


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_import_page_tells_a_refused_file_in_the_uploaders_language(world, client, settings, tmp_path, language):
    settings.VAR_DIR = tmp_path
    client.login(username="coordinator", password=PASSWORD)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    url = f"/beheer/gemeente/{world.testdorp.pk}/importeren/"
    before = Area.objects.count()
    for content in (TEXT, features(("Vlinder", BOWTIE), ("Paar", TWO_POINTS))):
        upload = SimpleUploadedFile("wijken.geojson", content, content_type="application/geo+json")
        client.post(url, {"kind": "areas", "file": upload})
        run_due_jobs()
    jobs = list(ImportJob.objects.order_by("pk"))
    assert [job.status for job in jobs] == ["failed", "failed"]
    for job in jobs:
        status = client.get(f"/beheer/importeren/{job.pk}/status.json").json()
        page = client.get(f"/beheer/importeren/{job.pk}/").content.decode()
        told = " ".join([job.summary, *job.details, json.dumps(status, ensure_ascii=False), page])
        assert not leaks(told.replace("&#x27;", "'")), leaks(told)
    assert "50.7375" in " ".join(jobs[1].details) and "5.2225" in " ".join(jobs[1].details)
    assert Area.objects.count() == before
