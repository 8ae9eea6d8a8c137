"""Coverage of many municipalities at once: the operators' national map and a police zone's map.

An address counts as covered when it lies in (or on the edge of) the area of an active group of
its own municipality: exactly as ``services.coverage_for`` counts it one municipality at a time,
so the national figures are the sum of the municipal ones. The address counts come from the cells
computed ahead (``aggregates``): the figures and the layer up to ``aggregates.LAST_STORED_ZOOM``
read a few hundred rows, whatever the size of the register. Closer in, ``points`` reads the
addresses of the view itself (bounded by the view, on the register's lon/lat index). Every
function runs a fixed number of queries whatever the number of municipalities.

The police open the page too: ``read_by`` gives the member counts as its reader may read them, by
the figures' small-number rule (ADR 0033, ``small_numbers.people``), so a municipality's members
read the same here as on its figures page.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.db.models import Count, Q, Sum
from shapely.geometry import shape

from apps.addresses.models import Address
from apps.core.actors import is_operator
from apps.groups.models import Group
from apps.members.models import Member
from apps.municipalities.models import Municipality
from apps.municipalities.permissions import coordinated_municipality_ids

from . import aggregates, hexbins
from .aggregates import Freshness
from .models import CoverageCell
from .small_numbers import people

# Addresses are read in slices of this many rows, straight into arrays (no list of tuples).
_CHUNK = 50_000


@dataclass
class MunicipalityRow:
    id: int
    name: str
    country: str
    addresses: int = 0
    covered_addresses: int = 0
    active_groups: int = 0
    members: int = 0

    @property
    def share(self) -> float:
        return self.covered_addresses / self.addresses if self.addresses else 0.0

    @property
    def share_percent(self) -> float:
        return round(100 * self.share, 1)


@dataclass
class NationalCoverage:
    rows: list[MunicipalityRow] = field(default_factory=list)
    freshness: Freshness | None = None  # when the address counts were computed

    @property
    def addresses(self) -> int:
        return sum(r.addresses for r in self.rows)

    @property
    def covered_addresses(self) -> int:
        return sum(r.covered_addresses for r in self.rows)

    @property
    def active_groups(self) -> int:
        return sum(r.active_groups for r in self.rows)

    @property
    def members(self) -> int:
        return sum(r.members for r in self.rows)

    @property
    def share(self) -> float:
        return self.covered_addresses / self.addresses if self.addresses else 0.0


@dataclass(frozen=True)
class ReadRow:
    """A municipality's row as one reader reads it: its members exact or through
    ``small_numbers.people``; addresses and groups are no counts of people and stay exact."""

    id: int
    name: str
    country: str
    addresses: int
    covered_addresses: int
    share_percent: float
    active_groups: int
    members: int | str


@dataclass(frozen=True)
class ReadCoverage:
    """The member counts of the national coverage as one reader may read them (``read_by``)."""

    rows: list[ReadRow]
    members: int | str  # the total
    exact: bool  # every count of people on the page exact: no note about "< 5"


def exact_municipality_ids(user, municipality_ids) -> set[int]:
    """The municipalities among ``municipality_ids`` whose counts of people ``user`` reads exact:
    every one for operators, those they coordinate for anyone else. The rule of
    ``apps.figures.permissions.sees_exact`` one municipality at a time, in one query for all."""
    ids = set(municipality_ids)
    if is_operator(user):
        return ids
    return ids & set(coordinated_municipality_ids(user))


def read_by(coverage: NationalCoverage, user) -> ReadCoverage:
    """``coverage`` as ``user`` reads it (ADR 0033): a municipality's members exact for its
    coordinators and operators, "< 5" for fewer than 5 to anyone else (the police); 0 stays 0.
    The total is exact only for who reads every municipality in it exact, as the figures of a
    police zone (``sees_exact``), and passes the same rule otherwise, so a total of fewer than 5
    never tells a small municipality's count either. As on the figures pages, a total of 5 or
    more reads exact: a reader could subtract the other rows from it (ADR 0033, Consequences)."""
    exact_ids = exact_municipality_ids(user, (r.id for r in coverage.rows))
    rows = [
        ReadRow(
            id=r.id,
            name=r.name,
            country=r.country,
            addresses=r.addresses,
            covered_addresses=r.covered_addresses,
            share_percent=r.share_percent,
            active_groups=r.active_groups,
            members=people(r.members, exact=r.id in exact_ids),
        )
        for r in coverage.rows
    ]
    every = len(exact_ids) == len(coverage.rows)
    return ReadCoverage(rows=rows, members=people(coverage.members, exact=every), exact=every)


@dataclass
class Points:
    lons: np.ndarray
    lats: np.ndarray
    municipality_ids: np.ndarray
    covered: np.ndarray


def _scope(queryset, municipality_ids: list[int] | None):
    return queryset if municipality_ids is None else queryset.filter(municipality_id__in=municipality_ids)


def _address_arrays(rows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arrays of the (lon, lat, municipality id) rows, read in slices."""
    lons, lats, ids = [], [], []
    chunk: list[tuple] = []
    for row in rows.iterator(chunk_size=_CHUNK):
        chunk.append(row)
        if len(chunk) == _CHUNK:
            block = np.array(chunk, dtype=float)
            lons.append(block[:, 0]), lats.append(block[:, 1]), ids.append(_owners(block[:, 2]))
            chunk = []
    if chunk:
        block = np.array(chunk, dtype=float)
        lons.append(block[:, 0]), lats.append(block[:, 1]), ids.append(_owners(block[:, 2]))
    if not lons:
        return np.empty(0), np.empty(0), np.empty(0, dtype=np.int64)
    return np.concatenate(lons), np.concatenate(lats), np.concatenate(ids)


def _owners(column: np.ndarray) -> np.ndarray:
    """Municipality ids as integers; -1 for an address without one (never covered)."""
    return np.nan_to_num(column, nan=-1).astype(np.int64)


def _covered(lons, lats, municipality_ids, areas: list[tuple[int, dict]]) -> np.ndarray:
    """True for each point in an active group's area of the point's own municipality."""
    covered = np.zeros(len(lons), dtype=bool)
    if not len(lons) or not areas:
        return covered
    polygons = np.array([shape(geometry) for _m, geometry in areas], dtype=object)
    owners = np.array([m for m, _g in areas], dtype=np.int64)
    shapely.prepare(polygons)
    points, which = shapely.STRtree(polygons).query(shapely.points(lons, lats), predicate="intersects")
    same = owners[which] == municipality_ids[points]
    covered[points[same]] = True
    return covered


def addresses_in_view(
    municipality_ids: list[int] | None, bbox: tuple[float, float, float, float] | None, limit: int | None = None
):
    """(lon, lat, municipality id) of the addresses of the municipalities within ``bbox``, at most
    ``limit`` of them (in no particular order).

    The register has no index on lon/lat: on ten million rows it would make the import half as
    fast again (docs/adr/0011-national-coverage-aggregates.md). The view is read instead through
    the municipalities whose counted cells of the finest stored size lie around it, by the
    register's municipality index: bounded by those municipalities' addresses, not the country's.
    Addresses added since the last count in a municipality with no cell there yet show after the
    next count, as the hexagons' figures do."""
    addresses = _scope(Address.objects.order_by(), municipality_ids)
    if bbox is not None:
        min_lon, min_lat, max_lon, max_lat = bbox
        addresses = addresses.filter(lon__gte=min_lon, lon__lte=max_lon, lat__gte=min_lat, lat__lte=max_lat)
        if aggregates.counted():
            # A cell's addresses lie within its radius of its centre.
            near = widen(bbox, hexbins.hex_size_for_zoom(aggregates.LAST_STORED_ZOOM))
            cells = _scope(CoverageCell.objects.filter(zoom=aggregates.LAST_STORED_ZOOM), municipality_ids).filter(
                lon__gte=near[0], lat__gte=near[1], lon__lte=near[2], lat__lte=near[3]
            )
            in_view = set(cells.order_by().values_list("municipality_id", flat=True).distinct())
            which = Q(municipality_id__in=[m for m in in_view if m is not None])
            if None in in_view:
                which |= Q(municipality_id__isnull=True)
            addresses = addresses.filter(which)
    rows = addresses.values_list("lon", "lat", "municipality_id")
    return rows if limit is None else rows[:limit]


def points(
    municipality_ids: list[int] | None,
    bbox: tuple[float, float, float, float] | None = None,
    limit: int | None = None,
) -> Points:
    """The addresses of the municipalities (``None``: all of them), within ``bbox`` if given (at
    most ``limit`` of them), and whether each is covered. Two queries, whatever the number of
    municipalities."""
    groups = _scope(Group.objects.filter(status=Group.Status.ACTIVE), municipality_ids)
    if bbox is not None:
        min_lon, min_lat, max_lon, max_lat = bbox
        # Only the areas whose bounding box meets the one asked for.
        groups = groups.exclude(area__max_lon__lt=min_lon).exclude(area__min_lon__gt=max_lon)
        groups = groups.exclude(area__max_lat__lt=min_lat).exclude(area__min_lat__gt=max_lat)
    lons, lats, owners = _address_arrays(addresses_in_view(municipality_ids, bbox, limit))
    areas = list(groups.values_list("municipality_id", "area__geometry"))
    return Points(lons, lats, owners, _covered(lons, lats, owners, areas))


def national_coverage(municipality_ids: list[int] | None, freshness: Freshness | None = None) -> NationalCoverage:
    """Figures per municipality (``None``: all of them), in four queries whatever their number:
    the addresses and covered ones from the cells computed ahead, groups and members as they are
    now."""
    municipalities = Municipality.objects.all()
    if municipality_ids is not None:
        municipalities = municipalities.filter(pk__in=municipality_ids)
    rows = {
        pk: MunicipalityRow(pk, name, country)
        for pk, name, country in municipalities.order_by("name", "pk").values_list("id", "name", "country")
    }
    cells = _scope(CoverageCell.objects.filter(zoom=aggregates.FIRST_STORED_ZOOM), municipality_ids)
    counts = {
        m: (a, c)
        for m, a, c in cells.values("municipality_id")
        .annotate(a=Sum("addresses"), c=Sum("covered"))
        .order_by()
        .values_list("municipality_id", "a", "c")
    }
    # Members per group, then per municipality through the active groups: cheaper than grouping
    # the members by their group's municipality in the database (one join per member).
    active = dict(
        _scope(Group.objects.filter(status=Group.Status.ACTIVE), municipality_ids)
        .order_by()
        .values_list("pk", "municipality_id")
    )
    current = Member.objects.current()
    if municipality_ids is not None:
        current = current.filter(group__municipality_id__in=municipality_ids)
    groups: Counter = Counter(active.values())
    members: Counter = Counter()
    for group_id, n in current.values("group_id").annotate(n=Count("pk")).order_by().values_list("group_id", "n"):
        if group_id in active:
            members[active[group_id]] += n
    for pk, row in rows.items():
        row.addresses, row.covered_addresses = counts.get(pk, (0, 0))
        row.active_groups, row.members = groups.get(pk, 0), members.get(pk, 0)
    return NationalCoverage(rows=list(rows.values()), freshness=freshness)


def stored_hexagons(
    municipality_ids: list[int] | None, zoom: int, bbox: tuple[float, float, float, float] | None
) -> list[dict]:
    """The layer's hexagons at a stored zoom, from the cells: every hexagon whose centre lies
    within one radius of the view (so every hexagon that shows in it), with all its addresses.
    One query."""
    zoom = max(zoom, aggregates.FIRST_STORED_ZOOM)
    size = hexbins.hex_size_for_zoom(zoom)
    cells = _scope(CoverageCell.objects.filter(zoom=zoom), municipality_ids)
    if bbox is not None:
        min_lon, min_lat, max_lon, max_lat = widen(bbox, size)
        cells = cells.filter(lon__gte=min_lon, lon__lte=max_lon, lat__gte=min_lat, lat__lte=max_lat)
    found = list(
        cells.values("q", "r")
        .annotate(a=Sum("addresses"), c=Sum("covered"))
        .order_by("r", "q")
        .values_list("q", "r", "a", "c")
    )
    if not found:
        return []
    q, r, totals, covered = (np.array(column, dtype=np.int64) for column in zip(*found, strict=True))
    return hexbins.cell_features(q, r, totals, covered, size)


def widen(bbox: tuple[float, float, float, float], metres: float) -> tuple[float, float, float, float]:
    """The box grown by ``metres`` on every side (in degrees, generously at the box's latitudes)."""
    min_lon, min_lat, max_lon, max_lat = bbox
    dlat = metres / 111_000
    cos = max(0.05, min(math.cos(math.radians(min_lat)), math.cos(math.radians(max_lat))))
    dlon = metres / (111_000 * cos)
    return (min_lon - dlon, min_lat - dlat, max_lon + dlon, max_lat + dlat)
