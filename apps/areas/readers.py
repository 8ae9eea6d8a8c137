"""Reading area files: GeoJSON, zipped Shapefile and GeoPackage, without GDAL.

Each reader returns the file's coordinate system (an EPSG code, or ``None`` when the file does
not say) and its features as (number, properties, shapely geometry in the file's coordinates).
A feature whose geometry cannot be read comes back with the reason instead of a geometry.
"""

from __future__ import annotations

import io
import json
import sqlite3
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from shapely.geometry import shape

from .crs import epsg_from_name, epsg_from_wkt


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
        return read_geopackage(path)
    if head.startswith(b"PK"):
        return read_zipped_shapefile(path, max_bytes)
    return read_geojson(path)


# GeoJSON


def read_geojson(path: Path) -> RawFile:
    try:
        with path.open("rb") as f:
            data = json.load(f)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(_("This is not valid GeoJSON: %(error)s") % {"error": exc}) from exc
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
                feature.error = _("The coordinates cannot be read: %(error)s") % {"error": exc}
        result.features.append(feature)
    return result


# Shapefile in a zip


def read_zipped_shapefile(path: Path, max_bytes: int) -> RawFile:
    import shapefile  # pyshp

    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise ValidationError(_("This zip file cannot be opened: %(error)s") % {"error": exc}) from exc
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir() and not Path(i.filename).name.startswith(".")]
        if sum(i.file_size for i in infos) > 4 * max_bytes:
            raise ValidationError(_("The zip file unpacks to more than the upload limit allows."))
        shps = [i for i in infos if i.filename.lower().endswith(".shp")]
        if len(shps) != 1:
            raise ValidationError(
                _("The zip file must hold exactly one Shapefile (.shp with .shx, .dbf and .prj); it holds %(n)d.")
                % {"n": len(shps)}
            )
        stem = shps[0].filename[:-4]
        parts = {}
        for ext in ("shp", "shx", "dbf", "prj", "cpg"):
            match = [i for i in infos if i.filename[:-4] == stem and i.filename[-3:].lower() == ext]
            if match:
                parts[ext] = archive.read(match[0])
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
    encoding = parts.get("cpg", b"utf-8").decode("ascii", "replace").strip() or "utf-8"
    if encoding.lower() in ("utf8", "65001"):
        encoding = "utf-8"
    try:
        reader = shapefile.Reader(
            shp=io.BytesIO(parts["shp"]),
            shx=io.BytesIO(parts["shx"]),
            dbf=io.BytesIO(parts["dbf"]),
            encoding=encoding,
            encodingErrors="replace",
        )
    except (shapefile.ShapefileException, LookupError, struct.error, ValueError) as exc:
        raise ValidationError(_("The Shapefile cannot be read: %(error)s") % {"error": exc}) from exc
    result = RawFile(kind="Shapefile", epsg=epsg, crs_text=crs_text)
    try:
        for number, item in enumerate(reader.iterShapeRecords(), start=1):
            feature = RawFeature(number=number, properties=item.record.as_dict())
            try:
                geo = item.shape.__geo_interface__
                feature.geometry = shape(geo)
            except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.GEOSException, Exception) as exc:  # noqa: BLE001 (pyshp raises bare Exception for odd shapes)
                feature.error = _("The shape cannot be read: %(error)s") % {"error": exc}
            result.features.append(feature)
    except (shapefile.ShapefileException, struct.error) as exc:
        raise ValidationError(_("The Shapefile cannot be read: %(error)s") % {"error": exc}) from exc
    return result


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


def read_geopackage(path: Path) -> RawFile:
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise ValidationError(_("The GeoPackage cannot be opened: %(error)s") % {"error": exc}) from exc
    try:
        try:
            layers = db.execute(
                "SELECT g.table_name, g.column_name, s.organization, s.organization_coordsys_id, s.definition "
                "FROM gpkg_geometry_columns g JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id "
                "ORDER BY g.table_name"
            ).fetchall()
        except sqlite3.Error as exc:
            raise ValidationError(_("This SQLite file is not a GeoPackage: %(error)s") % {"error": exc}) from exc
        if len(layers) != 1:
            raise ValidationError(
                _("The GeoPackage must hold exactly one layer of areas; it holds %(n)d.") % {"n": len(layers)}
            )
        table, column, organization, code, definition = layers[0]
        epsg = None
        crs_text = f"{organization}:{code}"
        if (organization or "").upper() == "EPSG":
            epsg = int(code)
        elif definition and definition != "undefined":
            epsg = epsg_from_wkt(definition)
        if epsg is None:
            raise ValidationError(
                _("The GeoPackage names a coordinate system Buurtwacht does not know: %(crs)s.") % {"crs": crs_text}
            )
        quote = lambda name: '"' + name.replace('"', '""') + '"'  # noqa: E731
        cursor = db.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 (name from the file's own catalogue)
        names = [d[0] for d in cursor.description]
        position = names.index(column)
        result = RawFile(kind="GeoPackage", epsg=epsg, crs_text=crs_text)
        for number, row in enumerate(cursor, start=1):
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
                feature.error = _("The geometry cannot be read: %(error)s") % {"error": exc}
            result.features.append(feature)
        return result
    finally:
        db.close()
