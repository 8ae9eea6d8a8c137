"""Neighbouring areas: those that touch an area or lie within a distance of it.

Distances are measured in ETRS89-LAEA (EPSG:3035), an equal-area projection in metres that
covers Belgium and the Netherlands alike, so a neighbour across the national border is found
the same way as one across the street.
"""

from __future__ import annotations

import numpy as np
import shapely
from django.conf import settings
from django.db import transaction
from pyproj import Transformer
from shapely import STRtree
from shapely.geometry import shape

from .models import Area, AreaNeighbour

_TO_METRES = Transformer.from_crs("EPSG:4326", "EPSG:3035", always_xy=True)


def to_metres(geom):
    def project(coords: np.ndarray) -> np.ndarray:
        x, y = _TO_METRES.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, project)


def compute_pairs(
    ids: list[int], geoms: list, distance_m: float, only: set[int] | None = None
) -> list[tuple[int, int, float]]:
    """(area, neighbour, distance) for every pair within ``distance_m``; with ``only``, just
    the pairs that involve those areas."""
    # One pyproj call for all coordinates of all areas.
    projected = to_metres(np.asarray(geoms, dtype=object))
    tree = STRtree(projected)
    if only is None:
        left, right = tree.query(projected, predicate="dwithin", distance=distance_m)
    else:
        positions = [i for i, area_id in enumerate(ids) if area_id in only]
        if not positions:
            return []
        found_left, right = tree.query(projected[positions], predicate="dwithin", distance=distance_m)
        left = np.asarray(positions, dtype=np.int64)[found_left]
    keep = left != right
    left, right = left[keep], right[keep]
    distances = shapely.distance(projected[left], projected[right])
    return [
        (ids[a], ids[b], float(d)) for a, b, d in zip(left.tolist(), right.tolist(), distances.tolist(), strict=True)
    ]


def recompute(area_ids: list[int] | None = None, distance_m: float | None = None) -> int:
    """Recompute the neighbours of the given areas (all areas when ``None``); returns the
    number of neighbour rows written."""
    distance_m = settings.BUURTWACHT_NEIGHBOUR_DISTANCE_M if distance_m is None else distance_m
    rows = list(Area.objects.order_by("id").values_list("id", "geometry"))
    ids = [r[0] for r in rows]
    geoms = [shape(r[1]) for r in rows]
    only = None if area_ids is None else set(area_ids)
    pairs = compute_pairs(ids, geoms, distance_m, only)
    links = {(a, b): d for a, b, d in pairs}
    # Stored both ways, so "neighbours of X" is one indexed lookup.
    links.update({(b, a): d for (a, b), d in list(links.items())})
    with transaction.atomic():
        stale = AreaNeighbour.objects.all()
        if only is not None:
            stale = stale.filter(area_id__in=only) | stale.filter(neighbour_id__in=only)
        stale.delete()
        AreaNeighbour.objects.bulk_create(
            [AreaNeighbour(area_id=a, neighbour_id=b, distance_m=d) for (a, b), d in links.items()],
            batch_size=5000,
        )
    return len(links)


def neighbour_ids(area_id: int) -> list[int]:
    return list(
        AreaNeighbour.objects.filter(area_id=area_id)
        .order_by("distance_m", "neighbour_id")
        .values_list("neighbour_id", flat=True)
    )
