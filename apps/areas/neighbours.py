"""Neighbouring areas: those that touch an area or lie within a distance of it.

Distances are measured in ETRS89-LAEA (EPSG:3035), an equal-area projection in metres that
covers Belgium and the Netherlands alike, so a neighbour across the national border is found
the same way as one across the street.

The neighbours of an area are written in the transaction that saves it (``save_area``,
``import_areas``: :func:`refresh`), so an area is never committed without them (ADR 0019);
``manage.py repair_neighbours`` finds and repairs rows left out of date before that.

The neighbour distance is a setting: the distance the stored rows were computed with is kept
(``NeighbourBasis``), and a worker that starts with another one recomputes all of them
(:func:`recompute_if_basis_changed`), so changing the setting takes effect without waiting for
an area to change.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from shapely import STRtree

from apps.core.limits import Budget, BudgetExceeded, Stopped, run_limited

from .models import Area, AreaNeighbour, NeighbourBasis
from .projections import wgs84_to_laea

log = logging.getLogger(__name__)


def to_metres(geom):
    def project(coords: np.ndarray) -> np.ndarray:
        x, y = wgs84_to_laea().transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, project)


def compute_pairs(
    ids: list[int], geoms, distance_m: float, only: set[int] | None = None
) -> list[tuple[int, int, float]]:
    """(area, neighbour, distance) for every pair within ``distance_m``, both ways round; with
    ``only``, just the pairs that involve those areas.

    Most neighbours share a boundary, and on real boundaries (hundreds of vertices each) the
    exact distance is the costly part. So: candidates from the bounding boxes grown by the
    distance (cheap), each unordered pair tested once; pairs that touch have distance 0 (a
    prepared ``intersects``); only the few that do not are tested for ``dwithin`` and measured.
    """
    # One pyproj call for all coordinates of all areas.
    projected = to_metres(np.asarray(geoms, dtype=object))
    if not len(projected):
        return []
    tree = STRtree(projected)
    bounds = shapely.bounds(projected)
    grown = shapely.box(
        bounds[:, 0] - distance_m, bounds[:, 1] - distance_m, bounds[:, 2] + distance_m, bounds[:, 3] + distance_m
    )
    if only is None:
        left, right = tree.query(grown)
    else:
        positions = np.asarray([i for i, area_id in enumerate(ids) if area_id in only], dtype=np.int64)
        if not len(positions):
            return []
        found_left, right = tree.query(grown[positions])
        left = positions[found_left]
    # Each unordered pair once: (a, b) with a < b, also when only one of them was asked about.
    low, high = np.minimum(left, right), np.maximum(left, right)
    keep = low != high
    pairs = np.unique(np.column_stack([low[keep], high[keep]]), axis=0)
    if not len(pairs):
        return []
    left, right = pairs[:, 0], pairs[:, 1]
    shapely.prepare(projected)
    distances = np.zeros(len(left))
    touching = shapely.intersects(projected[left], projected[right])
    apart = np.flatnonzero(~touching)
    near = apart[shapely.dwithin(projected[left[apart]], projected[right[apart]], distance_m)]
    distances[near] = shapely.distance(projected[left[near]], projected[right[near]])
    found = touching
    found[near] = True
    a, b, d = ids_of(ids, left[found]), ids_of(ids, right[found]), distances[found].tolist()
    return [*zip(a, b, d, strict=True), *zip(b, a, d, strict=True)]


def ids_of(ids: list[int], positions: np.ndarray) -> list[int]:
    return np.asarray(ids, dtype=np.int64)[positions].tolist()


@dataclass
class NeighbourChanges:
    """What :func:`refresh` found (and, unless a dry run, wrote) for the areas it was given:
    the rows to add and to remove so that the stored neighbours are the computed ones."""

    added: list[tuple[int, int, float]] = field(default_factory=list)  # (area, neighbour, distance)
    removed: list[tuple[int, int, int]] = field(default_factory=list)  # (row id, area, neighbour)
    rows: int = 0  # neighbour rows of those areas once written

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)

    def pairs(self) -> set[tuple[int, int]]:
        return {(a, b) for a, b, _d in self.added} | {(a, b) for _pk, a, b in self.removed}

    @property
    def areas(self) -> set[int]:
        """The areas whose stored neighbours were (or would be) changed."""
        return {end for pair in self.pairs() for end in pair}


# How far around an area its possible neighbours are looked for, in degrees of latitude and
# longitude per metre: generous (a degree of latitude is at least 110.5 km; a degree of longitude
# shrinks with the cosine of the latitude), so that every area within the distance in EPSG:3035 is
# among the candidates. The STRtree then keeps only the ones really within it.
_METRES_PER_DEGREE = 110_000
_SAFETY = 1.5
_CHUNK = 2000  # ids per IN (…) list


def _candidates(only: set[int] | None, distance_m: float) -> tuple[list[int], list]:
    """The ids and geometries of the areas that may be neighbours of ``only`` (every area when
    ``None``): those whose bounding box lies within the distance of the box around them all.
    An edit of one area reads its surroundings, not the whole country."""
    areas = Area.objects.order_by("id")
    if only is not None:
        box_rows = Area.objects.values_list("id", "min_lon", "min_lat", "max_lon", "max_lat")
        if len(only) <= _CHUNK:
            box_rows = box_rows.filter(id__in=sorted(only))
        boxes = [b for b in box_rows if b[0] in only]
        if not boxes:
            return [], []
        west, south = min(b[1] for b in boxes), min(b[2] for b in boxes)
        east, north = max(b[3] for b in boxes), max(b[4] for b in boxes)
        dlat = _SAFETY * distance_m / _METRES_PER_DEGREE
        widest = min(89.0, max(abs(south), abs(north)) + dlat)
        dlon = dlat / math.cos(math.radians(widest))
        areas = areas.filter(
            min_lon__lte=east + dlon, max_lon__gte=west - dlon, min_lat__lte=north + dlat, max_lat__gte=south - dlat
        )
    return read_geometries(areas)


def read_geometries(areas) -> tuple[list[int], np.ndarray]:
    """The ids and shapely geometries of ``areas`` (a queryset). The GeoJSON is read as the text
    the database holds and parsed by GEOS in one call: about a third of the time of decoding it
    to Python lists first and building each geometry from them (docs/benchmarks.md)."""
    rows = list(areas.annotate(geojson=Cast("geometry", output_field=TextField())).values_list("id", "geojson"))
    return [r[0] for r in rows], shapely.from_geojson([r[1] for r in rows])


def _stored(only: set[int] | None) -> list[tuple[int, int, int, float]]:
    """(row id, area, neighbour, distance) of the stored rows that involve ``only`` (all when None)."""
    rows = AreaNeighbour.objects.values_list("id", "area_id", "neighbour_id", "distance_m")
    if only is None or len(only) > 5 * _CHUNK:
        found = list(rows)
        return found if only is None else [r for r in found if r[1] in only or r[2] in only]
    ids = sorted(only)
    found: dict[int, tuple] = {}
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        found.update((r[0], r) for r in rows.filter(Q(area_id__in=chunk) | Q(neighbour_id__in=chunk)))
    return list(found.values())


def plan(area_ids: list[int] | None = None, distance_m: float | None = None) -> NeighbourChanges:
    """Compute the neighbours of the given areas (all areas when ``None``) and compare them with
    the stored rows; nothing is written."""
    distance_m = settings.BUURTWACHT_NEIGHBOUR_DISTANCE_M if distance_m is None else distance_m
    only = None if area_ids is None else set(area_ids)
    if only is not None and not only:
        return NeighbourChanges()
    ids, geoms = _candidates(only, distance_m)
    pairs = compute_pairs(ids, geoms, distance_m, only) if ids else []
    links = {(a, b): d for a, b, d in pairs}
    # Stored both ways, so "neighbours of X" is one indexed lookup.
    links.update({(b, a): d for (a, b), d in list(links.items())})
    changes = NeighbourChanges(rows=len(links))
    kept = set()
    for pk, a, b, d in _stored(only):
        wanted = links.get((a, b))
        if wanted is not None and abs(wanted - d) <= 1e-6 * max(1.0, wanted):
            kept.add((a, b))
        else:
            changes.removed.append((pk, a, b))
    changes.added = [(a, b, d) for (a, b), d in links.items() if (a, b) not in kept]
    return changes


_INSERT_SQL = "INSERT INTO {table} ({area}, {neighbour}, {distance}) VALUES (%s, %s, %s)".format(  # noqa: S608
    # Only the model's own table and column names go into the text; the values are parameters.
    table=AreaNeighbour._meta.db_table,
    area=AreaNeighbour._meta.get_field("area").column,
    neighbour=AreaNeighbour._meta.get_field("neighbour").column,
    distance=AreaNeighbour._meta.get_field("distance_m").column,
)
_INSERT_BATCH = 10_000


def write(changes: NeighbourChanges) -> None:
    """Store what :func:`plan` found, in one transaction (the caller's, when it has one)."""
    if not changes:
        return
    with transaction.atomic():
        removed = [pk for pk, _a, _b in changes.removed]
        for i in range(0, len(removed), _CHUNK):
            AreaNeighbour.objects.filter(pk__in=removed[i : i + _CHUNK]).delete()
        # Plain parameterised INSERTs: the rows need nothing from the model (no defaults, no
        # signals), and building 80,000 model objects for ``bulk_create`` cost more than
        # writing them (docs/benchmarks.md).
        with connection.cursor() as cursor:
            for i in range(0, len(changes.added), _INSERT_BATCH):
                cursor.executemany(_INSERT_SQL, changes.added[i : i + _INSERT_BATCH])


def refresh(area_ids: list[int] | None = None, distance_m: float | None = None) -> NeighbourChanges:
    """Make the stored neighbours of the given areas (all areas when ``None``) what they are now:
    only the rows that differ are written. Called inside the transaction that changes the areas
    (``save_area``, ``import_areas``), so that areas are never committed without their
    neighbours (ADR 0019); on its own it repairs what was left stale."""
    changes = plan(area_ids, distance_m)
    write(changes)
    return changes


def recompute(area_ids: list[int] | None = None, distance_m: float | None = None) -> int:
    """Recompute the neighbours of the given areas (all areas when ``None``); returns the
    number of neighbour rows they have."""
    return refresh(area_ids, distance_m).rows


def recompute_if_basis_changed() -> NeighbourChanges | None:
    """Recompute every area's neighbours when the setting they depend on
    (``BUURTWACHT_NEIGHBOUR_DISTANCE_M``) differs from the one they were computed with, and
    record the new basis; ``None`` when they were current. Safe to call from several processes
    at once: the basis row is locked for the recompute, and whoever comes second finds it
    current. Run once per process by the worker (embedded: its second thread; Celery: when a
    worker is ready)."""
    distance_m = float(settings.BUURTWACHT_NEIGHBOUR_DISTANCE_M)
    with transaction.atomic():
        basis = NeighbourBasis.objects.select_for_update().filter(pk=1).first()
        if basis is not None and basis.distance_m == distance_m:
            return None
        changes = plan(None, distance_m)
        write(changes)
        record_basis(distance_m)
    before = f"{basis.distance_m:g} m" if basis is not None else "not recorded"
    log.info(
        "neighbour distance %s, was %s: neighbours of %d areas recomputed (%d rows added, %d removed)",
        f"{distance_m:g} m",
        before,
        len(changes.areas),
        len(changes.added),
        len(changes.removed),
    )
    return changes


def record_basis(distance_m: float | None = None) -> None:
    """Record that every area's neighbours are now computed with ``distance_m`` (the setting
    when ``None``): after a recompute of all areas."""
    distance_m = float(settings.BUURTWACHT_NEIGHBOUR_DISTANCE_M if distance_m is None else distance_m)
    NeighbourBasis.objects.update_or_create(pk=1, defaults={"distance_m": distance_m, "computed_at": timezone.now()})


_basis_checked = False
_next_try = 0.0
_RETRY_AFTER_S = 300


# What a worker's child process may take for a recompute of every area's neighbours
# (``apps.core.limits``): 10,000 real-shaped areas take a few seconds and about 100 MB.
CHILD_BUDGET = Budget(memory_bytes=2 * 1024**3, cpu_seconds=30 * 60, wall_seconds=30 * 60)


def basis_is_current() -> bool:
    """Whether the stored neighbours were computed with the current neighbour distance (one query)."""
    basis = NeighbourBasis.objects.filter(pk=1).values_list("distance_m", flat=True).first()
    return basis is not None and basis == float(settings.BUURTWACHT_NEIGHBOUR_DISTANCE_M)


def check_basis_once() -> None:
    """:func:`recompute_if_basis_changed` the first time a process calls it: the setting cannot
    change while the process runs, so later calls cost nothing.

    A recompute reads every area's shape; done in a worker, much of the memory it took stayed
    with the worker afterwards (about 65 MB at 10,000 areas). So when the basis has changed it
    runs in a child process of its own (ADR 0035), unless ``BUURTWACHT_HEAVY_JOBS_IN_CHILD`` is
    off (the tests: a child would open the database the settings name, not the test's)."""
    global _basis_checked, _next_try
    if _basis_checked or time.monotonic() < _next_try:
        return
    if not basis_is_current():
        if settings.BUURTWACHT_HEAVY_JOBS_IN_CHILD:
            try:
                run_limited(recompute_in_child, budget=CHILD_BUDGET)
            except Stopped:
                # The worker is stopping (or someone ended the child): no fault; the neighbours
                # stay as they were and are recomputed at the next start.
                log.info("recomputing the neighbours was stopped before it finished; tried again later")
                _next_try = time.monotonic() + _RETRY_AFTER_S
                return
            except BudgetExceeded:
                # Logged, not raised: the worker's other jobs come next in the same round. The
                # neighbours stay as they were, and the recompute is tried again after a pause.
                log.exception("recomputing the neighbours failed; tried again in %d s", _RETRY_AFTER_S)
                _next_try = time.monotonic() + _RETRY_AFTER_S
                return
        else:
            recompute_if_basis_changed()
    _basis_checked = True


def recompute_in_child() -> None:
    """:func:`recompute_if_basis_changed` in a child process; nothing to hand back."""
    recompute_if_basis_changed()


def neighbour_ids(area_id: int) -> list[int]:
    return list(
        AreaNeighbour.objects.filter(area_id=area_id)
        .order_by("distance_m", "neighbour_id")
        .values_list("neighbour_id", flat=True)
    )
