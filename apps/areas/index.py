"""An in-memory spatial index of all areas, shared by every request of a process.

Each process keeps one STRtree of the areas' prepared polygons. Every change of an area (its
save or delete, an import) writes a new random token into the one-row ``AreaIndexVersion``
table in the same transaction. A lookup compares that token with the one the tree was built
from and rebuilds when they differ, so a change made in any process reaches every process.
Reading the token is one primary-key query; a process does it at most once every
``BUURTWACHT_AREA_INDEX_CHECK_MS`` milliseconds (default 1000), so the lookups in between cost
nothing but the tree search. A change in the process itself takes effect at once.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass
from itertools import islice

import numpy as np
import shapely
from django.conf import settings
from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast
from shapely import STRtree
from shapely.creation import HandleNaN

from .models import Area, AreaIndexVersion

# The ufuncs themselves: the lookup is a hot path, and shapely's Python wrappers around them
# cost more than the test does. Both tests use the polygon's prepared form. The point is made
# as a one-point array (``shapely.points`` with shapely 2.1's arguments): ``Point(lon, lat)`` and
# the tree's query of a single geometry cost more in numpy wrapping than the search itself.
_points = shapely.lib.points
_ALLOW_NAN = np.intc(HandleNaN.allow)  # what Point() does
_intersects = shapely.lib.intersects
_contains_properly = shapely.lib.contains_properly
# Areas read and parsed per batch when the tree is built.
_BATCH = 500


@dataclass(frozen=True, slots=True)
class AreaHit:
    area_id: int
    on_border: bool


def bump() -> None:
    """Mark the areas as changed for every process (call inside the writing transaction)."""
    token = uuid.uuid4().hex
    if not AreaIndexVersion.objects.filter(pk=1).update(token=token):
        AreaIndexVersion.objects.update_or_create(pk=1, defaults={"token": token})
    # Until this transaction ends, a tree may be built from rows that a rollback takes back: check
    # the token on every lookup until then (a rollback restores the old token, so it differs).
    _index.dirty = True
    _index.invalidate()


def current_token() -> str:
    return AreaIndexVersion.objects.filter(pk=1).values_list("token", flat=True).first() or ""


class _Index:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._token: str | None = None
        self._next_check = 0.0
        # (tree, prepared polygons, area ids, surfaces): replaced as one, so a lookup in another
        # thread sees the old index or the new one, never a mix.
        self._state: tuple | None = None
        self.clock = time.monotonic
        self.dirty = False  # this process changed areas in a transaction that may still be open

    def _ensure(self) -> None:
        now = self.clock()
        if self.dirty and not connection.in_atomic_block:
            self.dirty = False
            self._next_check = 0.0
        if now < self._next_check and self._state is not None and not self.dirty:
            return
        token = current_token()
        interval = settings.BUURTWACHT_AREA_INDEX_CHECK_MS / 1000
        if token == self._token and self._state is not None:
            self._next_check = now + interval
            return
        with self._lock:
            if token == self._token and self._state is not None:
                return
            self._build(token)
            self._next_check = now + interval

    def _build(self, token: str) -> None:
        # Read in batches, each outline parsed from its stored text by GEOS itself: the rows are
        # never all in memory as Python objects at once, which would raise the process's resident
        # memory for good (Python's allocator keeps what it once held).
        ids: list[int] = []
        sizes: list[float] = []
        parts: list[np.ndarray] = []
        rows = (
            Area.objects.order_by("id")
            .annotate(geometry_text=Cast("geometry", output_field=TextField()))
            .values_list("id", "geometry_text", "area_m2")
            .iterator(chunk_size=_BATCH)
        )
        while batch := list(islice(rows, _BATCH)):
            ids.extend(row[0] for row in batch)
            sizes.extend(row[2] for row in batch)
            parts.append(shapely.from_geojson([row[1] for row in batch]))
        geoms = np.concatenate(parts) if parts else np.empty(0, dtype=object)
        shapely.prepare(geoms)
        self._state = (STRtree(geoms), geoms, ids, sizes)
        self._token = token

    def invalidate(self) -> None:
        self._token = None
        self._next_check = 0.0

    def lookup(self, lon: float, lat: float) -> list[AreaHit]:
        """Areas that cover the point, smallest first, then by id: a point on a shared
        border belongs to both areas and always comes back in the same order."""
        self._ensure()
        points = _points(np.array(((lon, lat),), dtype=float), _ALLOW_NAN)
        point = points[0]
        tree, geoms, ids, sizes = self._state
        # Bounding boxes from the tree, then the exact test against the prepared polygon (fast
        # however many vertices the outline has).
        # Inside (not on the border) first: most points are, and then one test answers.
        candidates = tree.query(points)[1].tolist()
        if len(candidates) == 1:
            i = candidates[0]
            geom = geoms[i]
            if _contains_properly(geom, point):
                return [AreaHit(ids[i], False)]
            return [AreaHit(ids[i], True)] if _intersects(geom, point) else []
        hits = []
        for i in candidates:
            geom = geoms[i]
            if _contains_properly(geom, point):
                hits.append((sizes[i], ids[i], False))
            elif _intersects(geom, point):
                hits.append((sizes[i], ids[i], True))
        hits.sort()
        return [AreaHit(area_id, on_border) for _size, area_id, on_border in hits]

    @property
    def size(self) -> int:
        return len(self._state[2]) if self._state else 0


_index = _Index()


def lookup(lon: float, lat: float) -> list[AreaHit]:
    return _index.lookup(lon, lat)


def invalidate() -> None:
    _index.invalidate()


def built_token() -> str | None:
    """The version the current tree was built from (after a lookup made sure it is fresh)."""
    return _index._token
