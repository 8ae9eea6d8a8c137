"""An in-memory spatial index of all areas, shared by every request of a process.

Each process keeps one STRtree. Before a lookup it compares a cheap signature of the area
table (count and latest change) with the one its tree was built from and rebuilds when they
differ, so a change made in any process reaches every other process on its next lookup.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import shapely
from django.db.models import Count, Max
from shapely import STRtree
from shapely.geometry import Point, shape

from .models import Area


@dataclass(frozen=True)
class AreaHit:
    area_id: int
    on_border: bool


class _Index:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._signature: tuple | None = None
        self._tree: STRtree | None = None
        self._ids: list[int] = []
        self._geoms: list = []
        self._sizes: list[float] = []

    def _current_signature(self) -> tuple:
        agg = Area.objects.aggregate(n=Count("id"), latest=Max("updated_at"), top=Max("id"))
        return (agg["n"], agg["latest"], agg["top"])

    def _ensure(self) -> None:
        signature = self._current_signature()
        if signature == self._signature and self._tree is not None:
            return
        with self._lock:
            if signature == self._signature and self._tree is not None:
                return
            rows = list(Area.objects.order_by("id").values_list("id", "geometry", "area_m2"))
            geoms = [shape(g) for _id, g, _a in rows]
            for geom in geoms:
                shapely.prepare(geom)
            self._ids = [r[0] for r in rows]
            self._sizes = [r[2] for r in rows]
            self._geoms = geoms
            self._tree = STRtree(geoms)
            self._signature = signature

    def invalidate(self) -> None:
        with self._lock:
            self._signature = None

    def lookup(self, lon: float, lat: float) -> list[AreaHit]:
        """Areas that cover the point, smallest first, then by id: a point on a shared
        border belongs to both areas and always comes back in the same order."""
        self._ensure()
        point = Point(lon, lat)
        assert self._tree is not None
        candidates = self._tree.query(point, predicate="intersects")
        hits = []
        for i in candidates:
            geom = self._geoms[i]
            on_border = bool(geom.boundary.distance(point) < 1e-9)
            hits.append((self._sizes[i], self._ids[i], on_border))
        hits.sort()
        return [AreaHit(area_id=area_id, on_border=on_border) for _size, area_id, on_border in hits]


_index = _Index()


def lookup(lon: float, lat: float) -> list[AreaHit]:
    return _index.lookup(lon, lat)


def invalidate() -> None:
    _index.invalidate()
