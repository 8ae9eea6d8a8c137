"""Parsing and checking area geometry with shapely and pyproj.

Areas are stored as GeoJSON (RFC 7946: WGS84, lon/lat). Every geometry entering the system
passes through :func:`parse_area_geometry`, which refuses what cannot be a watch area and
says why in words a coordinator understands: what the libraries say goes to the log only
(:mod:`apps.areas.problems`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import shapely
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from shapely.geometry import MultiPolygon, Polygon, mapping, shape

from . import problems

if TYPE_CHECKING:
    from pyproj import Geod

# Belgium and the Netherlands with a margin: what lies outside is a swapped lat/lon or a
# projected coordinate (Lambert, RD) passed as degrees.
SERVICE_BOUNDS = (2.0, 49.0, 8.0, 54.0)
MAX_VERTICES = 200_000


@dataclass(frozen=True)
class AreaGeometry:
    geometry: Polygon | MultiPolygon
    geojson: dict[str, Any]
    bounds: tuple[float, float, float, float]
    area_m2: float


@cache
def _geod() -> Geod:
    # pyproj is imported on first use: it costs a process about 12 MB of resident memory, and a
    # web process that only looks places up never measures an area.
    from pyproj import Geod

    return Geod(ellps="WGS84")


def geodesic_area_m2(geom) -> float:
    area, _perimeter = _geod().geometry_area_perimeter(geom)
    return abs(area)


def parse_area_geometry(value: Any) -> AreaGeometry:
    """Turn a GeoJSON geometry, Feature or single-feature FeatureCollection (dict or text)
    into a checked (Multi)Polygon. Raises ``ValidationError`` with a translated message."""
    if isinstance(value, (str, bytes)):
        if isinstance(value, str):
            value = value.removeprefix("\ufeff")  # a byte order mark left by an editor
        try:
            value = json.loads(value)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise ValidationError(problems.outline_not_json(exc), code="not_json") from exc
    if not isinstance(value, dict):
        raise ValidationError(_("Expected a GeoJSON object."))
    kind = value.get("type")
    if kind == "FeatureCollection":
        features = value.get("features") or []
        if len(features) != 1:
            raise ValidationError(
                _("The file holds %(count)d features; an area needs exactly one."), params={"count": len(features)}
            )
        value = features[0]
        kind = value.get("type") if isinstance(value, dict) else None
    if kind == "Feature":
        value = value.get("geometry")
        if not isinstance(value, dict):
            raise ValidationError(_("The feature has no geometry."))
        kind = value.get("type")
    if not isinstance(kind, str):
        raise ValidationError(
            _(
                'This is not valid GeoJSON: it does not say what it holds (it has no "type"). Export the area as '
                "GeoJSON again, or draw it on the map."
            ),
            code="no_type",
        )
    if kind not in ("Polygon", "MultiPolygon"):
        raise ValidationError(_("An area must be a Polygon or MultiPolygon, not %(kind)s."), params={"kind": kind})
    try:
        geom = shape(value)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, shapely.errors.GEOSException) as exc:
        raise ValidationError(problems.coordinates_unreadable(exc), code="coordinates") from exc
    if geom.is_empty:
        raise ValidationError(_("The area is empty."))
    if shapely.get_num_coordinates(geom) > MAX_VERTICES:
        raise ValidationError(_("The area has too many points (more than %(max)d)."), params={"max": MAX_VERTICES})
    # Where it lies first: the place of a fault in the outline is told in degrees, which makes no
    # sense for swapped or projected coordinates.
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    b = SERVICE_BOUNDS
    if min_lon < b[0] or min_lat < b[1] or max_lon > b[2] or max_lat > b[3]:
        raise ValidationError(
            _(
                "The area lies outside Belgium and the Netherlands. Coordinates must be WGS84 "
                "longitude, latitude (for example 5.3, 50.75)."
            )
        )
    if not geom.is_valid:
        raise ValidationError(str(problems.outline_problem(geom)), code="invalid_outline")
    area_m2 = geodesic_area_m2(geom)
    if area_m2 < 100:
        raise ValidationError(_("The area is smaller than 100 m²."))
    geom = shapely.normalize(geom)
    return AreaGeometry(geometry=geom, geojson=mapping(geom), bounds=geom.bounds, area_m2=area_m2)


def to_geojson(geometry: dict[str, Any]) -> dict[str, Any]:
    """Stored GeoJSON with coordinates as lists (JSON round-trips tuples as lists anyway)."""
    return json.loads(json.dumps(geometry))
