"""Coverage of every municipality, computed ahead and kept per (municipality, hexagon cell).

Counting the whole register on every page view does not scale: at 10 million addresses reading
them takes tens of seconds. So the counts are computed once, stored as ``CoverageCell`` rows (one
per municipality and hexagon at the size of each zoom up to ``LAST_STORED_ZOOM``) and read from
there: the national figures are the sums of the coarsest cells per municipality, the map layer at
national and regional zoom is the cells of its zoom. From ``LAST_STORED_ZOOM + 1`` on, the view is
small enough to count its own addresses (``national.points``, bounded by the view).

The cells remember the versions they were computed from: the areas' token (``AreaIndexVersion``,
changed with every area, group or municipality) and the register's (``RegisterVersion``). When
either differs the figures are stale: a small register (``INLINE_MAX_ADDRESSES``) is counted again
at once, a large one in the background (the embedded worker checks every round; with Celery the
first request that finds them stale queues ``coverage.refresh``), while the pages show the last
figures and when they were computed. One computation runs at a time (a claim on the state row).
The embedded worker counts in a child process of its own (:func:`count_in_child_process`, ADR
0035), so the memory a count takes is given back whole when it is done.

An address counts as covered exactly as ``services.coverage_for`` counts it: it lies in (or on the
edge of) the area of an active group of its own municipality.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import shapely
from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Q, Subquery
from django.utils import timezone
from shapely.geometry import shape

from apps.addresses.models import Address
from apps.areas.models import AreaIndexVersion
from apps.core.limits import Budget, Stopped, run_limited
from apps.core.wakeup import wake
from apps.groups.models import Group
from apps.municipalities.models import Municipality

from . import hexbins
from .models import CoverageCell, CoverageState, RegisterVersion

log = logging.getLogger(__name__)

# Zooms 0–6 share one hexagon size (the largest); every zoom up to this one has its own cells.
FIRST_STORED_ZOOM = 6
LAST_STORED_ZOOM = 13
STORED_ZOOMS = tuple(range(FIRST_STORED_ZOOM, LAST_STORED_ZOOM + 1))
# Changes when the cells' layout changes, so cells of an older layout count as stale.
LAYOUT = "hex-3035-v1"
# Up to this many addresses a stale computation is redone in the request itself (well under a
# second); beyond it only in the background.
INLINE_MAX_ADDRESSES = 50_000
# A computation that has not finished after this long is taken to have died: another may start.
CLAIM_TIMEOUT = timedelta(minutes=30)
# Ask Celery again at most this often while the figures stay stale.
REQUEST_AGAIN_AFTER = timedelta(minutes=2)
# Addresses read and counted at a time. Each slice is held as Python rows, then as points for the
# area tree: with 50,000 a count of 2 million addresses in 10,000 areas peaked at 163 MB, against
# 275 MB with 250,000, in the same time.
_CHUNK = 50_000
_WRITE_BATCH = 5_000
# Cell keys pack (municipality, q, r) into one int64: 21 bits each for q and r.
_SHIFT = 21
_OFFSET = 1 << (_SHIFT - 1)


def register_changed(*_args, **_kwargs) -> None:
    """Mark the address register as changed (called by the importer and on every address saved
    or deleted): the coverage figures are stale from now on."""
    token = uuid.uuid4().hex
    if not RegisterVersion.objects.filter(pk=1).update(token=token):
        RegisterVersion.objects.update_or_create(pk=1, defaults={"token": token})


def _source(area_token: str | None, register_token: str | None) -> str:
    return f"{LAYOUT}:{area_token or ''}:{register_token or ''}"


def current_source() -> str:
    return _source(
        AreaIndexVersion.objects.filter(pk=1).values_list("token", flat=True).first(),
        RegisterVersion.objects.filter(pk=1).values_list("token", flat=True).first(),
    )


@dataclass(frozen=True)
class Freshness:
    computed_at: datetime | None
    seconds: float
    addresses: int
    fresh: bool
    running: bool

    @property
    def available(self) -> bool:
        return self.computed_at is not None


def freshness() -> Freshness:
    """When the cells were computed and whether they are still current: one query."""
    row = (
        CoverageState.objects.filter(pk=1)
        .annotate(
            area_token=Subquery(AreaIndexVersion.objects.filter(pk=1).values("token")[:1]),
            register_token=Subquery(RegisterVersion.objects.filter(pk=1).values("token")[:1]),
        )
        .first()
    )
    if row is None:
        return Freshness(None, 0.0, 0, False, False)
    running = row.running_since is not None and row.running_since > timezone.now() - CLAIM_TIMEOUT
    return Freshness(
        row.computed_at,
        row.seconds,
        row.addresses,
        row.computed_at is not None and row.source == _source(row.area_token, row.register_token),
        running,
    )


def counted() -> bool:
    """Whether the cells were ever counted (the street view reads through them)."""
    return CoverageState.objects.filter(pk=1, computed_at__isnull=False).exists()


def ensure_current() -> Freshness:
    """The state to show, after bringing stale figures up to date when that is cheap: a small
    register is counted again at once; a large one is left to the background (queued on Celery
    when that is the worker)."""
    state = freshness()
    if state.fresh or state.running:
        return state
    # Counted on the register as it is now (it may have grown since the last count), and bounded.
    if Address.objects.order_by()[: INLINE_MAX_ADDRESSES + 1].count() <= INLINE_MAX_ADDRESSES:
        refresh()
        return freshness()
    _request_background()
    return state


def _request_background() -> None:
    if settings.BUURTWACHT_WORKER != "celery":
        return  # the embedded worker finds stale figures on its own (refresh_if_stale)
    now = timezone.now()
    CoverageState.objects.get_or_create(pk=1)
    asked = (
        CoverageState.objects.filter(pk=1)
        .filter(Q(requested_at__isnull=True) | Q(requested_at__lt=now - REQUEST_AGAIN_AFTER))
        .update(requested_at=now)
    )
    if asked:
        # A wake-up only: with the broker down it is skipped, and the next page asks again later.
        transaction.on_commit(lambda: wake(refresh_coverage))


def refresh_if_stale() -> bool:
    """For the workers: compute the cells again when they are stale. True when it did."""
    state = freshness()
    if state.fresh or state.running:
        return False
    return refresh()


@shared_task(name="coverage.refresh", ignore_result=True)
def refresh_coverage() -> bool:
    """The Celery task of ``refresh_if_stale`` (production mode); ``tasks`` names it for
    autodiscovery."""
    return refresh_if_stale()


def refresh() -> bool:
    """Count every address again and replace the cells. False when another computation holds
    the claim."""
    now = timezone.now()
    CoverageState.objects.get_or_create(pk=1)
    claimed = (
        CoverageState.objects.filter(pk=1)
        .filter(Q(running_since__isnull=True) | Q(running_since__lt=now - CLAIM_TIMEOUT))
        .update(running_since=now)
    )
    if not claimed:
        return False
    try:
        started = time.perf_counter()
        # The versions first: a change made while counting makes the result stale at once.
        source = current_source()
        cells, addresses = compute()
        written = 0
        with transaction.atomic():
            CoverageCell.objects.all().delete()
            for batch in _rows(cells):
                CoverageCell.objects.bulk_create(batch)
                written += len(batch)
            CoverageState.objects.filter(pk=1).update(
                source=source,
                computed_at=timezone.now(),
                seconds=round(time.perf_counter() - started, 3),
                addresses=addresses,
                cells=written,
                running_since=None,
                requested_at=None,
            )
    except BaseException:
        CoverageState.objects.filter(pk=1).update(running_since=None)
        raise
    return True


def _address_chunks(chunk: int = _CHUNK):
    """(lon, lat, municipality id or -1) of every address, in slices of ``chunk`` rows."""
    rows: list[tuple] = []
    for row in Address.objects.order_by().values_list("lon", "lat", "municipality_id").iterator(chunk_size=chunk):
        rows.append(row)
        if len(rows) == chunk:
            yield _block(rows)
            rows = []
    if rows:
        yield _block(rows)


def _block(rows: list[tuple]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    block = np.array(rows, dtype=float)  # an empty municipality becomes nan
    owners = np.nan_to_num(block[:, 2], nan=-1).astype(np.int64)
    return block[:, 0], block[:, 1], owners


def compute() -> tuple[list[tuple], int]:
    """The cells of every stored zoom, from the register and the active groups' areas. Memory
    stays bounded: the addresses are read and counted in slices; only the cells accumulate."""
    municipality_ids = np.array(sorted(Municipality.objects.values_list("pk", flat=True)), dtype=np.int64)
    areas = list(Group.objects.filter(status=Group.Status.ACTIVE).values_list("municipality_id", "area__geometry"))
    polygons = np.array([shape(geometry) for _m, geometry in areas], dtype=object)
    owners = np.array([m for m, _g in areas], dtype=np.int64)
    shapely.prepare(polygons)
    tree = shapely.STRtree(polygons) if len(polygons) else None
    sizes = {zoom: hexbins.hex_size_for_zoom(zoom) for zoom in STORED_ZOOMS}
    parts: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {zoom: [] for zoom in STORED_ZOOMS}
    total = 0
    for lons, lats, address_owners in _address_chunks():
        total += len(lons)
        covered = np.zeros(len(lons), dtype=bool)
        if tree is not None:
            found, which = tree.query(shapely.points(lons, lats), predicate="intersects")
            same = owners[which] == address_owners[found]
            covered[found[same]] = True
        # Dense municipality numbers (0: none) in the keys' upper bits.
        dense = np.searchsorted(municipality_ids, address_owners) + 1
        dense[address_owners < 0] = 0
        x, y = hexbins.to_metres(lons, lats)
        x, y = np.nan_to_num(x, posinf=0, neginf=0), np.nan_to_num(y, posinf=0, neginf=0)
        for zoom, size in sizes.items():
            q, r = hexbins.cells_of(x, y, size)
            keys = _pack(dense, q, r)
            cells, inverse = np.unique(keys, return_inverse=True)
            parts[zoom].append(
                (
                    cells,
                    np.bincount(inverse, minlength=len(cells)),
                    np.bincount(inverse, weights=covered, minlength=len(cells)),
                )
            )
    cells: list[tuple] = []
    for zoom, chunks in parts.items():
        if not chunks:
            continue
        keys, inverse = np.unique(np.concatenate([c[0] for c in chunks]), return_inverse=True)
        totals = np.bincount(inverse, weights=np.concatenate([c[1] for c in chunks]), minlength=len(keys))
        hits = np.bincount(inverse, weights=np.concatenate([c[2] for c in chunks]), minlength=len(keys))
        dense, q, r = _unpack(keys)
        lon, lat = hexbins.centres(q, r, sizes[zoom])
        owner = np.concatenate([[0], municipality_ids])[dense]
        cells.append(
            (zoom, owner, q, r, np.round(lon, 6), np.round(lat, 6), totals.astype(np.int64), hits.astype(np.int64))
        )
    return cells, total


def _rows(cells: list[tuple], batch: int = _WRITE_BATCH):
    """The cells as model instances, ``batch`` at a time (never all of them in memory at once)."""
    for zoom, owner, q, r, lon, lat, totals, hits in cells:
        for start in range(0, len(q), batch):
            part = slice(start, start + batch)
            yield [
                CoverageCell(
                    zoom=zoom, municipality_id=m or None, q=qq, r=rr, lon=x, lat=y, addresses=a, covered=c
                )
                for m, qq, rr, x, y, a, c in zip(
                    owner[part].tolist(), q[part].tolist(), r[part].tolist(), lon[part].tolist(),
                    lat[part].tolist(), totals[part].tolist(), hits[part].tolist(), strict=True,
                )
            ]  # fmt: skip


def _pack(dense: np.ndarray, q: np.ndarray, r: np.ndarray) -> np.ndarray:
    limit = _OFFSET - 1
    q, r = np.clip(q, -limit, limit) + _OFFSET, np.clip(r, -limit, limit) + _OFFSET
    return (dense.astype(np.int64) << (2 * _SHIFT)) | (q << _SHIFT) | r


def _unpack(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mask = (1 << _SHIFT) - 1
    return keys >> (2 * _SHIFT), ((keys >> _SHIFT) & mask) - _OFFSET, (keys & mask) - _OFFSET


_RETRY_AFTER_FAILURE_S = 300.0
_next_try = 0.0
# What the embedded worker's child process may take for a count (``apps.core.limits``): memory
# on top of the interpreter and Django (a count of 10 million addresses needs a few hundred MB),
# and no longer than its claim lasts, after which another count may start.
CHILD_BUDGET = Budget(
    memory_bytes=2 * 1024**3,
    cpu_seconds=int(CLAIM_TIMEOUT.total_seconds()),
    wall_seconds=int(CLAIM_TIMEOUT.total_seconds()),
)


def _in_worker(count) -> bool:
    """``count()`` for a worker's loop: an error is logged, never raised (the worker must go on
    delivering), and the next try waits a few minutes."""
    global _next_try
    if time.monotonic() < _next_try:
        return False
    try:
        return count()
    except Stopped:
        # The worker is stopping (or someone ended the child): no fault, the figures stay as
        # they were and are counted at the next start.
        log.info("the coverage count was stopped before it finished; it runs again later")
        _next_try = time.monotonic() + _RETRY_AFTER_FAILURE_S
        return False
    except Exception:  # noqa: BLE001 (the worker's other duties come first)
        log.exception("computing the coverage figures failed")
        _next_try = time.monotonic() + _RETRY_AFTER_FAILURE_S
        return False


def refresh_in_worker() -> bool:
    """``refresh_if_stale`` in this process, for a worker's loop (errors logged, not raised)."""
    return _in_worker(refresh_if_stale)


def count_in_child_process() -> bool:
    """The embedded worker's job: ``refresh_if_stale`` in a child process of its own, waited for
    (ADR 0035). The count reads every address and builds the areas' shapes; done in the worker,
    much of the memory that took stayed with the process after the count. The child gives it all
    back when it ends, and a count that runs out of memory ends the child, not the deliveries. An idle worker starts no
    child: whether there is anything to count is asked here first. Errors (the child's too, and
    ``BudgetExceeded``) as ``refresh_in_worker``: logged, tried again after a pause.

    With the setting ``BUURTWACHT_HEAVY_JOBS_IN_CHILD`` off the count runs in this process:
    the tests turn it off, as a child opens the database the settings name, not the test's."""
    return _in_worker(_count_in_child)


def _count_in_child() -> bool:
    if not settings.BUURTWACHT_HEAVY_JOBS_IN_CHILD:
        return refresh_if_stale()
    state = freshness()
    if state.fresh or state.running:
        return False
    return run_limited(refresh_if_stale, budget=CHILD_BUDGET)
