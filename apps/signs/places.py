"""Whether a point lies in a municipality: in one of its areas (through the shared spatial index,
``apps.areas.index``) or within one of its sub-municipalities' boundaries. A point on a border
counts as inside."""

from __future__ import annotations

from shapely.geometry import Point, shape

from apps.areas import index
from apps.areas.models import Area
from apps.municipalities.models import Municipality, SubMunicipality


def in_municipality(municipality: Municipality, *, lon: float, lat: float) -> bool:
    area_ids = [hit.area_id for hit in index.lookup(lon, lat)]
    if area_ids and Area.objects.filter(pk__in=area_ids, municipality=municipality).exists():
        return True
    point = Point(lon, lat)
    boundaries = SubMunicipality.objects.filter(municipality=municipality, geometry__isnull=False).values_list(
        "geometry", flat=True
    )
    for geometry in boundaries:
        try:
            if geometry and shape(geometry).covers(point):
                return True
        except (ValueError, TypeError, KeyError, AttributeError):
            continue
    return False
