"""Reading area files: GeoJSON, zipped Shapefile and GeoPackage, without GDAL.

Each reader returns the file's coordinate system (an EPSG code, or ``None`` when the file does
not say) and its features as (number, properties, shapely geometry in the file's coordinates).
A feature whose geometry cannot be read comes back with the reason instead of a geometry.

A file is checked before it is decoded wherever that is possible, so a small file cannot ask for
gigabytes: the real unpacked size of a zip's members (read, not taken from the zip's header),
the points of a Shapefile's records (from its index), only tables (never views, whose rows a query
computes, endlessly if it likes) in a GeoPackage, and at most ``MAX_FEATURES`` features and
``MAX_FILE_VERTICES`` points in any file. An upload is read in a child process with a memory and
time budget on top of this (``apps.core.limits``, :func:`read_limited`).
"""

from __future__ import annotations

import codecs
import io
import json
import logging
import sqlite3
import struct
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from shapely.geometry import shape

from . import problems
from .crs import epsg_from_name, epsg_from_wkt
from .geometry import MAX_VERTICES

log = logging.getLogger(__name__)

# More features or points than any municipality's (or a country's) areas take: refused unread.
MAX_FEATURES = 50_000
MAX_FILE_VERTICES = 10_000_000
# Seconds SQLite may spend answering the queries of one GeoPackage.
GEOPACKAGE_SECONDS = 120
# The longest text or blob one value of a GeoPackage may have (SQLite's own limit is 1 GB).
GEOPACKAGE_MAX_VALUE = 64 * 1024 * 1024


@dataclass
class RawFeature:
    number: int  # 1-based, in file order
    properties: dict[str, Any]
    geometry: Any = None  # shapely geometry in the file's CRS, or None
    error: str = ""


@dataclass
class RawFile:
    kind: str
    epsg: int | None
    features: list[RawFeature] = field(default_factory=list)
    crs_text: str = ""  # what the file says about its CRS, for messages


def read_area_file(path: Path, max_bytes: int) -> RawFile:
    size = path.stat().st_size
    if size == 0:
        raise ValidationError(_("The file is empty."))
    if size > max_bytes:
        raise ValidationError(
            _("The file is %(size)d MB; the limit is %(max)d MB. Split it, for example per municipality.")
            % {"size": size // (1024 * 1024), "max": max_bytes // (1024 * 1024)}
        )
    with path.open("rb") as f:
        head = f.read(16)
    if head.startswith(b"SQLite format 3"):
        raw = read_geopackage(path)
    elif head.startswith(b"PK"):
        raw = read_zipped_shapefile(path, max_bytes)
    else:
        raw = read_geojson(path)
    _check_counts(raw)
    return raw


def _too_many_features() -> ValidationError:
    return ValidationError(
        _("The file holds more than %(max)d features. Split it, for example per municipality.") % {"max": MAX_FEATURES}
    )


def _check_counts(raw: RawFile) -> None:
    if len(raw.features) > MAX_FEATURES:
        raise _too_many_features()
    geoms = [f.geometry for f in raw.features if f.geometry is not None]
    if geoms and int(shapely.get_num_coordinates(geoms).sum()) > MAX_FILE_VERTICES:
        raise _too_many_points()


def _too_many_points() -> ValidationError:
    return ValidationError(
        _("The file's areas have more than %(max)s points together. Simplify the outlines or split the file.")
        % {"max": f"{MAX_FILE_VERTICES:,}".replace(",", ".")}
    )


def read_limited(path: Path, max_bytes: int, budget, cancelled=None) -> RawFile:
    """:func:`read_area_file` in a child process within ``budget`` (``apps.core.limits.Budget``):
    a file that needs more memory or time than that is refused, and this process is unharmed.
    ``cancelled`` is asked while it reads; when it says so the child is stopped (``Cancelled``)."""
    from apps.core.limits import BudgetExceeded, run_limited

    try:
        return run_limited(read_area_file, path, max_bytes, budget=budget, cancelled=cancelled)
    except BudgetExceeded as exc:
        if exc.reason == "time":
            raise ValidationError(
                _("Reading the file took longer than allowed; nothing was imported. Simplify or split it.")
            ) from None
        if exc.reason == "memory":
            raise ValidationError(
                _("Reading the file needs more memory than allowed; nothing was imported. Simplify or split it.")
            ) from None
        raise ValidationError(_("The file cannot be read; nothing was imported.")) from None


# GeoJSON


def read_geojson(path: Path) -> RawFile:
    try:
        with path.open("rb") as f:
            data = json.load(f)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ValidationError(problems.file_not_json(exc)) from exc
    if not isinstance(data, dict):
        raise ValidationError(_("Expected a GeoJSON object."))
    epsg = None
    crs_text = ""
    crs = data.get("crs")
    if isinstance(crs, dict):
        crs_text = str((crs.get("properties") or {}).get("name") or "")
        epsg = epsg_from_name(crs_text)
        if epsg is None:
            raise ValidationError(
                _("The file names a coordinate system Buurtwacht does not know: %(crs)s.") % {"crs": crs_text or crs}
            )
    kind = data.get("type")
    if kind == "FeatureCollection":
        items = data.get("features")
        if not isinstance(items, list):
            raise ValidationError(_("The FeatureCollection has no list of features."))
    elif kind == "Feature":
        items = [data]
    elif kind in ("Polygon", "MultiPolygon"):
        items = [{"type": "Feature", "properties": {}, "geometry": data}]
    else:
        raise ValidationError(_("Expected a GeoJSON FeatureCollection, not %(kind)s.") % {"kind": kind})
    if len(items) > MAX_FEATURES:
        raise _too_many_features()
    result = RawFile(kind="GeoJSON", epsg=epsg, crs_text=crs_text)
    for number, item in enumerate(items, start=1):
        props = item.get("properties") if isinstance(item, dict) else None
        feature = RawFeature(number=number, properties=props if isinstance(props, dict) else {})
        geometry = item.get("geometry") if isinstance(item, dict) else None
        if not isinstance(geometry, dict):
            feature.error = _("The feature has no geometry.")
        else:
            try:
                feature.geometry = shape(geometry)
            except (ValueError, TypeError, AttributeError, IndexError, KeyError, shapely.errors.GEOSException) as exc:
                feature.error = problems.coordinates_unreadable(exc)
        result.features.append(feature)
    return result


# Shapefile in a zip


def read_zipped_shapefile(path: Path, max_bytes: int) -> RawFile:
    import shapefile  # pyshp

    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise ValidationError(problems.zip_unreadable(exc)) from exc
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir() and not Path(i.filename).name.startswith(".")]
        shps = [i for i in infos if i.filename.lower().endswith(".shp")]
        if len(shps) != 1:
            raise ValidationError(
                _("The zip file must hold exactly one Shapefile (.shp with .shx, .dbf and .prj); it holds %(n)d.")
                % {"n": len(shps)}
            )
        stem = shps[0].filename[:-4]
        parts = {}
        # What the members really unpack to, read with a cap: the sizes in a zip's header are the
        # zip's own word and may lie.
        room = max_bytes
        for ext in ("shp", "shx", "dbf", "prj", "cpg"):
            match = [i for i in infos if i.filename[:-4] == stem and i.filename[-3:].lower() == ext]
            if match:
                parts[ext] = _unpack(archive, match[0], room)
                room -= len(parts[ext])
    for ext in ("shx", "dbf"):
        if ext not in parts:
            raise ValidationError(_("The Shapefile has no .%(ext)s file in the zip.") % {"ext": ext})
    epsg = None
    crs_text = ""
    if "prj" in parts:
        crs_text = parts["prj"].decode("utf-8", "replace")
        epsg = epsg_from_wkt(crs_text)
        if epsg is None:
            raise ValidationError(
                _("The .prj file names a coordinate system Buurtwacht does not know: %(crs)s.")
                % {"crs": crs_text[:120]}
            )
    _check_shape_index(parts["shp"], parts["shx"])
    encoding = parts.get("cpg", b"utf-8").decode("ascii", "replace").strip() or "utf-8"
    if encoding.lower() in ("utf8", "65001"):
        encoding = "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        log.info("area Shapefile names an unknown encoding in its .cpg: %r", encoding[:80])
        raise ValidationError(
            _(
                "The .cpg file of the Shapefile names a character set Buurtwacht does not know (%(encoding)s). "
                "Leave the .cpg file out of the zip, or export the Shapefile in UTF-8."
            )
            % {"encoding": encoding[:40]}
        ) from None
    try:
        reader = shapefile.Reader(
            shp=io.BytesIO(parts["shp"]),
            shx=io.BytesIO(parts["shx"]),
            dbf=io.BytesIO(parts["dbf"]),
            encoding=encoding,
            encodingErrors="replace",
        )
    except (shapefile.ShapefileException, LookupError, struct.error, ValueError) as exc:
        raise ValidationError(problems.shapefile_unreadable(exc)) from exc
    result = RawFile(kind="Shapefile", epsg=epsg, crs_text=crs_text)
    try:
        for number, item in enumerate(reader.iterShapeRecords(), start=1):
            feature = RawFeature(number=number, properties=item.record.as_dict())
            try:
                geo = item.shape.__geo_interface__
                feature.geometry = shape(geo)
            except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.GEOSException, Exception) as exc:  # noqa: BLE001 (pyshp raises bare Exception for odd shapes)
                feature.error = problems.shape_unreadable(exc)
            result.features.append(feature)
    except (shapefile.ShapefileException, struct.error) as exc:
        raise ValidationError(problems.shapefile_unreadable(exc)) from exc
    return result


def _unpack(archive: zipfile.ZipFile, info: zipfile.ZipInfo, room: int) -> bytes:
    """A member's bytes, refused as soon as they pass ``room`` (whatever its header says)."""
    refused = ValidationError(_("The zip file unpacks to more than the upload limit allows."))
    if info.file_size > room:
        raise refused
    try:
        with archive.open(info) as member:
            data = member.read(room + 1)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError) as exc:
        raise ValidationError(problems.zip_unreadable(exc)) from exc
    if len(data) > room:
        raise refused
    return data


# A Shapefile record of a polygon: 12 bytes of header and a 32-byte box, the part indexes, then
# 16 bytes per point (2D; more with Z and M values). So a record's length bounds its points.
_SHAPE_POINT_BYTES = 16


def _check_shape_index(shp: bytes, shx: bytes) -> None:
    """Refuse a Shapefile whose records hold more points than an area may, before pyshp reads
    them into memory: the index (.shx) gives each record's length, and the .shp's size the total."""
    if len(shp) // _SHAPE_POINT_BYTES > MAX_FILE_VERTICES + MAX_FEATURES * 8:
        raise _too_many_points()
    if len(shx) < 100 or (len(shx) - 100) % 8:
        raise ValidationError(problems.shapefile_unreadable("the .shx index is damaged"))
    records = (len(shx) - 100) // 8
    if records > MAX_FEATURES:
        raise _too_many_features()
    # PolygonZ and PolygonM records carry 8 or 16 more bytes per point.
    shape_type = struct.unpack("<i", shp[32:36])[0] if len(shp) >= 100 else 0
    per_point = 24 if shape_type in (15, 25) else _SHAPE_POINT_BYTES
    for number, (_offset, words) in enumerate(struct.iter_unpack(">ii", shx[100:]), start=1):
        if words * 2 // per_point > MAX_VERTICES + 8:
            raise ValidationError(
                _("Feature %(n)d has more than %(max)d points; simplify its outline.")
                % {"n": number, "max": MAX_VERTICES}
            )


# GeoPackage: SQLite with a geometry blob = GeoPackage header + WKB.

_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def gpkg_blob_to_wkb(blob: bytes) -> bytes | None:
    """The WKB inside a GeoPackage geometry blob; ``None`` for an empty geometry."""
    if len(blob) < 8 or blob[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry (no GP header)")
    flags = blob[3]
    if flags & 0b10000:
        return None
    envelope = (flags >> 1) & 0b111
    if envelope not in _ENVELOPE_BYTES:
        raise ValueError(f"unknown envelope type {envelope}")
    return bytes(blob[8 + _ENVELOPE_BYTES[envelope] :])


def _tables(db: sqlite3.Connection) -> dict[str, str]:
    """Every object of the file by its name in lower case (SQLite's names ignore case): its type
    (``table``, ``view``, ...) and, for a virtual table, ``virtual``."""
    kinds = {}
    for name, kind, sql in db.execute("SELECT name, type, sql FROM sqlite_master"):
        if kind == "table" and (sql or "").lstrip().upper().startswith("CREATE VIRTUAL"):
            kind = "virtual"
        kinds[str(name).lower()] = kind
    return kinds


def _require_table(db: sqlite3.Connection, kinds: dict[str, str], name: str) -> None:
    """Only a plain table is read: a view's rows are computed by a query of the file's choosing
    (an endless recursive one, say), a virtual table's by a module, a generated column's by an
    expression."""
    if kinds.get(name.lower()) != "table":
        raise ValidationError(
            _("%(name)s in the GeoPackage is not a table (it is a %(kind)s); only tables are read.")
            % {"name": name[:80], "kind": kinds.get(name.lower(), "-")}
        )
    quote = '"' + name.replace('"', '""') + '"'
    hidden = [row[1] for row in db.execute(f"PRAGMA table_xinfo({quote})") if row[6] in (2, 3)]
    if hidden:
        raise ValidationError(
            _("The table %(name)s in the GeoPackage has computed columns (%(columns)s); only stored values are read.")
            % {"name": name[:80], "columns": ", ".join(str(c)[:40] for c in hidden[:5])}
        )


def read_geopackage(path: Path) -> RawFile:
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error as exc:
        raise ValidationError(problems.geopackage_unreadable(exc)) from exc
    deadline = time.monotonic() + GEOPACKAGE_SECONDS
    # SQLite calls this every so many steps of its virtual machine; a true answer interrupts the query.
    db.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
    db.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, GEOPACKAGE_MAX_VALUE)
    try:
        return _read_geopackage(db)
    except sqlite3.OperationalError as exc:
        if time.monotonic() > deadline:
            raise ValidationError(
                _("Reading the GeoPackage took longer than %(seconds)d seconds; nothing was imported.")
                % {"seconds": GEOPACKAGE_SECONDS}
            ) from exc
        raise ValidationError(problems.geopackage_unreadable(exc)) from exc
    except sqlite3.Error as exc:
        raise ValidationError(problems.geopackage_unreadable(exc)) from exc
    finally:
        db.close()


def _read_geopackage(db: sqlite3.Connection) -> RawFile:
    try:
        kinds = _tables(db)
    except sqlite3.Error as exc:
        raise ValidationError(problems.geopackage_unreadable(exc)) from exc
    if "gpkg_geometry_columns" not in kinds or "gpkg_spatial_ref_sys" not in kinds:
        raise ValidationError(problems.not_a_geopackage("no gpkg_geometry_columns or gpkg_spatial_ref_sys"))
    for catalogue in ("gpkg_geometry_columns", "gpkg_spatial_ref_sys"):
        _require_table(db, kinds, catalogue)
    try:
        layers = db.execute(
            "SELECT g.table_name, g.column_name, s.organization, s.organization_coordsys_id, s.definition "
            "FROM gpkg_geometry_columns g JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id "
            "ORDER BY g.table_name LIMIT 2"
        ).fetchall()
    except sqlite3.Error as exc:
        raise ValidationError(problems.not_a_geopackage(exc)) from exc
    if len(layers) != 1:
        raise ValidationError(
            _("The GeoPackage must hold exactly one layer of areas; it holds %(n)d.") % {"n": len(layers)}
        )
    table, column, organization, code, definition = layers[0]
    table, column = str(table), str(column)
    epsg = None
    crs_text = f"{organization}:{code}"[:120]
    if (organization or "").upper() == "EPSG":
        try:
            epsg = int(code)
        except (TypeError, ValueError):
            epsg = None
    elif definition and definition != "undefined":
        epsg = epsg_from_wkt(str(definition))
    if epsg is None:
        raise ValidationError(
            _("The GeoPackage names a coordinate system Buurtwacht does not know: %(crs)s.") % {"crs": crs_text}
        )
    _require_table(db, kinds, table)
    quote = lambda name: '"' + name.replace('"', '""') + '"'  # noqa: E731
    cursor = db.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 (a table of the file's own catalogue, checked above)
    names = [d[0] for d in cursor.description]
    if column not in names:
        log.info("area GeoPackage has no column %r in %r", column[:80], table[:80])
        raise ValidationError(
            _(
                "The GeoPackage names %(column)s as the column of the areas, but its table %(table)s has no such "
                "column. Export the areas as a GeoPackage again."
            )
            % {"column": column[:80], "table": table[:80]}
        )
    position = names.index(column)
    result = RawFile(kind="GeoPackage", epsg=epsg, crs_text=crs_text)
    for number, row in enumerate(cursor, start=1):
        if number > MAX_FEATURES:
            raise _too_many_features()
        props = {n: v for n, v in zip(names, row, strict=True) if n != column and not isinstance(v, bytes)}
        feature = RawFeature(number=number, properties=props)
        blob = row[position]
        try:
            wkb = gpkg_blob_to_wkb(blob) if blob is not None else None
            if wkb is None:
                feature.error = _("The feature has no geometry.")
            else:
                feature.geometry = shapely.from_wkb(wkb)
        except (ValueError, TypeError, shapely.errors.GEOSException) as exc:
            feature.error = problems.shape_unreadable(exc)
        result.features.append(feature)
    return result
