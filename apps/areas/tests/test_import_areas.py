"""Importing areas from GeoJSON, zipped Shapefiles and GeoPackages."""

from __future__ import annotations

import io
import json
import sqlite3
import struct
import zipfile

import pytest
import shapefile
import shapely
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from pyproj import Transformer

from apps.areas import index
from apps.areas.importer import AreaImportRefused, import_areas
from apps.areas.models import Area
from apps.areas.readers import gpkg_blob_to_wkb
from apps.audit.models import AuditEvent
from apps.core.actors import SYSTEM
from apps.municipalities.models import Municipality
from testkit.world import box

TO_LAMBERT = Transformer.from_crs("EPSG:4326", "EPSG:31370", always_xy=True)
TO_RD = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)


def feature(name, geometry, **props):
    return {"type": "Feature", "properties": {"name": name, **props}, "geometry": geometry}


def collection(*features, crs=None):
    data = {"type": "FeatureCollection", "features": list(features)}
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    return data


def projected(geometry, transformer):
    geom = shapely.geometry.shape(geometry)
    return shapely.geometry.mapping(shapely.transform(geom, lambda c: _apply(transformer, c)))


def _apply(transformer, coords):
    import numpy as np

    x, y = transformer.transform(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


def write_json(tmp_path, data, name="areas.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


TWO = collection(
    feature("Noord", box(5.30, 50.75, 5.32, 50.76)),
    feature("Zuid", box(5.30, 50.74, 5.32, 50.75)),
)


@pytest.mark.django_db
def test_geojson_import_creates_municipality_and_second_import_changes_nothing(tmp_path):
    path = write_json(tmp_path, TWO)
    result = import_areas(path, municipality="Heers", country="BE", actor=SYSTEM)
    assert result.municipality_created and result.count("created") == 2
    heers = Municipality.objects.get(name="Heers")
    assert heers.country == "BE" and heers.areas.count() == 2
    snapshot = list(Area.objects.order_by("pk").values("pk", "geometry", "updated_at"))
    events = AuditEvent.objects.count()
    again = import_areas(path, municipality="heers", actor=SYSTEM)
    assert again.count("unchanged") == 2 and not again.municipality_created
    assert list(Area.objects.order_by("pk").values("pk", "geometry", "updated_at")) == snapshot
    assert AuditEvent.objects.count() == events
    assert [h.area_id for h in index.lookup(5.31, 50.755)] == [Area.objects.get(name="Noord").pk]


@pytest.mark.django_db
def test_dry_run_writes_nothing(tmp_path):
    result = import_areas(write_json(tmp_path, TWO), municipality="Heers", country="BE", dry_run=True, actor=SYSTEM)
    assert result.count("created") == 2
    assert not Municipality.objects.exists() and not Area.objects.exists()


@pytest.mark.django_db
def test_lambert72_from_the_legacy_crs_member_and_rd_new_with_the_option(tmp_path):
    square = box(5.30, 50.74, 5.32, 50.76)
    lambert = collection(feature("Batsheers", projected(square, TO_LAMBERT)), crs="urn:ogc:def:crs:EPSG::31370")
    result = import_areas(write_json(tmp_path, lambert), municipality="Heers", country="BE", actor=SYSTEM)
    assert result.epsg == 31370
    area = Area.objects.get(name="Batsheers")
    assert area.min_lon == pytest.approx(5.30, abs=1e-4) and area.max_lat == pytest.approx(50.76, abs=1e-4)

    rd = collection(feature("Centrum", projected(box(5.68, 50.84, 5.70, 50.86), TO_RD)))
    path = write_json(tmp_path, rd, "rd.geojson")
    with pytest.raises(AreaImportRefused, match="--crs"):
        import_areas(path, municipality="Maastricht", country="NL", actor=SYSTEM)
    result = import_areas(path, municipality="Maastricht", crs=28992, actor=SYSTEM)
    assert Municipality.objects.get(name="Maastricht").country == "NL"
    assert Area.objects.get(name="Centrum").min_lon == pytest.approx(5.68, abs=1e-4)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "kwargs", "fragment"),
    [
        (collection(feature("A", box(5.3, 50.7, 5.31, 50.71)), crs="EPSG:2154"), {}, "EPSG:2154"),
        (collection(feature("A", box(5.3, 50.7, 5.31, 50.71))), {"crs": 9999}, "Unknown coordinate system"),
        (collection(feature("A", box(5.3, 50.7, 5.31, 50.71)), crs="EPSG:31370"), {"crs": 28992}, "was given"),
        (collection(feature("A", box(5.3, 50.7, 5.31, 50.71))), {"crs": 3812}, "do not lie in Belgium"),
        (collection(), {}, "no areas"),
        (collection(feature("A", box(5.3, 50.7, 5.31, 50.71))), {"name_field": "naam"}, "no field naam"),
        ({"type": "Topology"}, {}, "FeatureCollection"),
    ],
)
def test_unknown_or_wrong_crs_and_bad_files_are_refused(tmp_path, data, kwargs, fragment):
    with pytest.raises(AreaImportRefused) as excinfo:
        import_areas(write_json(tmp_path, data), municipality="Heers", country="BE", actor=SYSTEM, **kwargs)
    assert fragment in " ".join(excinfo.value.messages)
    assert not Area.objects.exists() and not Municipality.objects.exists()


@pytest.mark.django_db
def test_empty_and_oversized_files_are_refused_before_parsing(tmp_path, settings):
    empty = tmp_path / "empty.geojson"
    empty.write_bytes(b"")
    with pytest.raises(AreaImportRefused, match="empty"):
        import_areas(empty, municipality="Heers", country="BE", actor=SYSTEM)
    huge = tmp_path / "huge.geojson"
    with huge.open("wb") as f:  # a sparse 1 GB file: nothing is read from it
        f.truncate(1024**3)
    with pytest.raises(AreaImportRefused, match="1024 MB; the limit is 200 MB"):
        import_areas(huge, municipality="Heers", country="BE", actor=SYSTEM)


SPIKE = {  # a square with a zero-width spike: invalid, repaired without changing the surface
    "type": "Polygon",
    "coordinates": [
        [
            [5.30, 50.74],
            [5.32, 50.74],
            [5.32, 50.75],
            [5.33, 50.75],
            [5.32, 50.75],
            [5.32, 50.76],
            [5.30, 50.76],
            [5.30, 50.74],
        ]
    ],
}
BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[5.30, 50.74], [5.32, 50.76], [5.32, 50.74], [5.30, 50.76], [5.30, 50.74]]],
}


@pytest.mark.django_db
def test_safe_repairs_are_made_and_reported_unsafe_ones_refuse_everything(tmp_path):
    result = import_areas(
        write_json(tmp_path, collection(feature("Piek", SPIKE))), municipality="H", country="BE", actor=SYSTEM
    )
    assert len(result.repaired) == 1
    assert "crosses itself near latitude 50.75, longitude 5.33" in result.repaired[0].repaired
    assert "Self-intersection" not in result.repaired[0].repaired
    assert Area.objects.get(name="Piek").area_m2 > 0

    data = collection(feature("Goed", box(5.4, 50.7, 5.41, 50.71)), feature("Vlinder", BOWTIE), {"type": "Feature"})
    with pytest.raises(AreaImportRefused) as excinfo:
        import_areas(write_json(tmp_path, data, "b.geojson"), municipality="H", actor=SYSTEM)
    refused = {f.number: f.reason for f in excinfo.value.result.refused}
    assert sorted(refused) == [2, 3]
    assert "more than 1%" in refused[2]
    assert not Area.objects.filter(name="Goed").exists()


@pytest.mark.django_db
def test_points_lines_duplicate_names_and_areas_outside_are_refused(tmp_path):
    data = collection(
        feature("Punt", {"type": "Point", "coordinates": [5.3, 50.7]}),
        feature("Dubbel", box(5.30, 50.70, 5.31, 50.71)),
        feature("Dubbel", box(5.31, 50.70, 5.32, 50.71)),
        feature("Madrid", box(-3.71, 40.41, -3.70, 40.42)),
        feature("", box(5.33, 50.70, 5.34, 50.71)),
    )
    with pytest.raises(AreaImportRefused) as excinfo:
        import_areas(write_json(tmp_path, data), municipality="H", country="BE", actor=SYSTEM)
    reasons = {f.number: f.reason for f in excinfo.value.result.refused}
    assert "Polygon or MultiPolygon" in reasons[1]
    assert "same name" in reasons[3]
    assert "outside Belgium" in reasons[4]
    assert "no name" in reasons[5]
    assert 2 not in reasons


def test_overlaps_with_active_groups_are_reported_in_square_metres(world, tmp_path):
    # 0.001° of latitude (~111 m) into group A's area (Noord: 5.30–5.32 x 50.75–50.76)
    data = collection(feature("Overlapt", box(5.30, 50.759, 5.32, 50.77)))
    result = import_areas(write_json(tmp_path, data), municipality="testdorp", dry_run=True, actor=SYSTEM)
    [overlap] = result.overlaps
    assert overlap.first == "Overlapt" and overlap.second == "Noord (Testdorp)"
    assert 150_000 < overlap.m2 < 170_000  # ~1,408 m x ~111 m
    # touching group B's area is no overlap
    result = import_areas(
        write_json(tmp_path, collection(feature("Onder", box(5.30, 50.73, 5.32, 50.74)))),
        municipality="testdorp",
        dry_run=True,
        actor=SYSTEM,
    )
    assert result.overlaps == []


def test_only_the_municipalitys_coordinator_imports(world, tmp_path):
    path = write_json(tmp_path, collection(feature("Nieuw", box(5.4, 50.7, 5.41, 50.71))))
    before = list(Area.objects.values_list("pk", "geometry"))
    for outsider in (world.coordinator_nl, world.admin_a, world.police):
        with pytest.raises(PermissionDenied):
            import_areas(path, municipality="testdorp", actor=outsider)
    with pytest.raises(PermissionDenied):  # and no one but a superuser creates municipalities
        import_areas(path, municipality="Elders", country="BE", actor=world.coordinator)
    assert list(Area.objects.values_list("pk", "geometry")) == before
    assert not Municipality.objects.filter(name="Elders").exists()
    import_areas(path, municipality="testdorp", actor=world.coordinator)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.AREA_SAVED, actor=world.coordinator).count() == 1


def _zip_shapefile(tmp_path, shapes, prj: str | None, name="wijken"):
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    with shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYGON) as w:
        w.field("NAAM", "C", size=50)
        for label, rings in shapes:
            w.poly(rings)
            w.record(label)
    path = tmp_path / f"{name}.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"{name}.shp", shp.getvalue())
        z.writestr(f"{name}.shx", shx.getvalue())
        z.writestr(f"{name}.dbf", dbf.getvalue())
        if prj is not None:
            z.writestr(f"{name}.prj", prj)
    return path


def _ring(geometry, transformer):
    coords = projected(geometry, transformer)["coordinates"][0]
    return [list(reversed([list(c) for c in coords]))]  # Shapefile outer rings are clockwise


@pytest.mark.django_db
def test_zipped_shapefile_in_lambert72_with_prj(tmp_path):
    from pyproj import CRS

    prj = CRS.from_epsg(31370).to_wkt(version="WKT1_ESRI")
    path = _zip_shapefile(
        tmp_path,
        [
            ("Heks", _ring(box(5.30, 50.74, 5.32, 50.76), TO_LAMBERT)),
            ("Veulen", _ring(box(5.32, 50.74, 5.34, 50.76), TO_LAMBERT)),
        ],
        prj,
    )
    result = import_areas(path, municipality="Heers", country="BE", actor=SYSTEM)
    assert result.kind == "Shapefile" and result.epsg == 31370 and result.count("created") == 2
    assert Area.objects.get(name="Veulen").min_lon == pytest.approx(5.32, abs=1e-4)
    assert import_areas(path, municipality="Heers", actor=SYSTEM).count("unchanged") == 2
    # without the .prj the numbers say nothing: --crs is needed
    bare = _zip_shapefile(tmp_path, [("Heks", _ring(box(5.30, 50.74, 5.32, 50.76), TO_LAMBERT))], None, "bare")
    with pytest.raises(AreaImportRefused, match="--crs"):
        import_areas(bare, municipality="Heers", actor=SYSTEM)
    assert import_areas(bare, municipality="Heers", crs=31370, actor=SYSTEM).count("unchanged") == 1
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(AreaImportRefused, match="zip"):
        import_areas(broken, municipality="Heers", actor=SYSTEM)


def _gpkg_blob(geom, srs_id):
    # GeoPackage binary: magic, version 0, flags (little endian, envelope [minx,maxx,miny,maxy]), srs id, envelope, WKB
    minx, miny, maxx, maxy = geom.bounds
    header = b"GP" + bytes([0, 0b0000_0011]) + struct.pack("<i", srs_id) + struct.pack("<4d", minx, maxx, miny, maxy)
    return header + shapely.to_wkb(geom)


def _geopackage(tmp_path, features, srs_id=28992, organization="EPSG"):
    path = tmp_path / "buurten.gpkg"
    db = sqlite3.connect(path)
    db.executescript(
        """
        CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT, srs_id INTEGER PRIMARY KEY, organization TEXT,
            organization_coordsys_id INTEGER, definition TEXT, description TEXT);
        CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT, identifier TEXT);
        CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT, geometry_type_name TEXT,
            srs_id INTEGER, z TINYINT, m TINYINT);
        CREATE TABLE buurten (fid INTEGER PRIMARY KEY, geom BLOB, buurtnaam TEXT, code TEXT);
        """
    )
    db.execute(
        "INSERT INTO gpkg_spatial_ref_sys VALUES ('x', ?, ?, ?, 'undefined', '')", (srs_id, organization, srs_id)
    )
    db.execute("INSERT INTO gpkg_contents VALUES ('buurten', 'features', 'buurten')")
    db.execute("INSERT INTO gpkg_geometry_columns VALUES ('buurten', 'geom', 'POLYGON', ?, 0, 0)", (srs_id,))
    for name, code, geom in features:
        db.execute(
            "INSERT INTO buurten (geom, buurtnaam, code) VALUES (?, ?, ?)", (_gpkg_blob(geom, srs_id), name, code)
        )
    db.commit()
    db.close()
    return path


@pytest.mark.django_db
def test_geopackage_in_rd_new(tmp_path):
    geom = shapely.geometry.shape(projected(box(5.68, 50.84, 5.70, 50.86), TO_RD))
    path = _geopackage(tmp_path, [("Binnenstad", "BU09350000", geom)])
    result = import_areas(path, municipality="Maastricht", name_field="code", actor=SYSTEM)
    assert result.kind == "GeoPackage" and result.epsg == 28992
    assert Area.objects.get(name="BU09350000").max_lat == pytest.approx(50.86, abs=1e-4)
    assert Municipality.objects.get(name="Maastricht").country == "NL"
    unknown = _geopackage(tmp_path / "..", [("B", "1", geom)], srs_id=99999, organization="NONE")
    with pytest.raises(AreaImportRefused, match="does not know"):
        import_areas(unknown, municipality="Maastricht", actor=SYSTEM)


def test_gpkg_blob_header_is_stripped():
    geom = shapely.Point(1, 2)
    assert shapely.from_wkb(gpkg_blob_to_wkb(_gpkg_blob(geom, 4326))) == geom
    empty = b"GP" + bytes([0, 0b0001_0001]) + struct.pack("<i", 4326)
    assert gpkg_blob_to_wkb(empty) is None
    with pytest.raises(ValueError):
        gpkg_blob_to_wkb(b"XX" + bytes(10))


@pytest.mark.django_db
def test_command_reports_and_refuses(tmp_path, capsys):
    path = write_json(tmp_path, TWO)
    call_command("import_areas", str(path), "--municipality", "Heers", "--country", "BE", "--dry-run")
    assert "dry run" in capsys.readouterr().out and not Area.objects.exists()
    call_command("import_areas", str(path), "--municipality", "Heers", "--country", "BE")
    assert "2 new" in capsys.readouterr().out
    bad = write_json(tmp_path, collection(feature("Vlinder", BOWTIE)), "bad.geojson")
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_areas", str(bad), "--municipality", "Heers")
    assert "Feature 1 Vlinder refused" in capsys.readouterr().err
