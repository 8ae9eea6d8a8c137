"""Coverage of many municipalities at once: the operators' national map and a police zone's map.

An address counts as covered when it lies in (or on the edge of) the area of an active group of
its own municipality: exactly as ``services.coverage_for`` counts it one municipality at a time,
so the national figures are the sum of the municipal ones. Everything is read in a fixed number
of queries whatever the number of municipalities: the municipalities, the active groups' areas,
the addresses (as arrays) and the current members per municipality, then one STRtree query of
all the points against all the areas.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import shape

from apps.addresses.models import Address
from apps.groups.models import Group
from apps.members.models import Member
from apps.municipalities.models import Municipality

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


@dataclass
class Points:
    lons: np.ndarray
    lats: np.ndarray
    municipality_ids: np.ndarray
    covered: np.ndarray


def _scope(queryset, municipality_ids: list[int] | None):
    return queryset if municipality_ids is None else queryset.filter(municipality_id__in=municipality_ids)


def _address_arrays(queryset) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lon, lat, municipality id) of the addresses, read in slices into preallocated arrays."""
    rows = queryset.values_list("lon", "lat", "municipality_id")
    lons, lats, ids = [], [], []
    chunk: list[tuple] = []
    for row in rows.iterator(chunk_size=_CHUNK):
        chunk.append(row)
        if len(chunk) == _CHUNK:
            block = np.array(chunk, dtype=float)
            lons.append(block[:, 0]), lats.append(block[:, 1]), ids.append(block[:, 2].astype(np.int64))
            chunk = []
    if chunk:
        block = np.array(chunk, dtype=float)
        lons.append(block[:, 0]), lats.append(block[:, 1]), ids.append(block[:, 2].astype(np.int64))
    if not lons:
        return np.empty(0), np.empty(0), np.empty(0, dtype=np.int64)
    return np.concatenate(lons), np.concatenate(lats), np.concatenate(ids)


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


def points(municipality_ids: list[int] | None, bbox: tuple[float, float, float, float] | None = None) -> Points:
    """The addresses of the municipalities (``None``: all of them), within ``bbox`` if given, and
    whether each is covered. Three queries at most, whatever the number of municipalities."""
    addresses = _scope(Address.objects.all(), municipality_ids)
    groups = _scope(Group.objects.filter(status=Group.Status.ACTIVE), municipality_ids)
    if bbox is not None:
        min_lon, min_lat, max_lon, max_lat = bbox
        addresses = addresses.filter(lon__gte=min_lon, lon__lte=max_lon, lat__gte=min_lat, lat__lte=max_lat)
        # Only the areas whose bounding box meets the one asked for.
        groups = groups.exclude(area__max_lon__lt=min_lon).exclude(area__min_lon__gt=max_lon)
        groups = groups.exclude(area__max_lat__lt=min_lat).exclude(area__min_lat__gt=max_lat)
    lons, lats, owners = _address_arrays(addresses)
    areas = list(groups.values_list("municipality_id", "area__geometry"))
    return Points(lons, lats, owners, _covered(lons, lats, owners, areas))


def national_coverage(municipality_ids: list[int] | None) -> NationalCoverage:
    """Figures per municipality (``None``: all of them), in five queries whatever their number."""
    municipalities = Municipality.objects.all()
    if municipality_ids is not None:
        municipalities = municipalities.filter(pk__in=municipality_ids)
    rows = {
        pk: MunicipalityRow(pk, name, country)
        for pk, name, country in municipalities.order_by("name", "pk").values_list("id", "name", "country")
    }
    found = points(municipality_ids)
    totals = Counter(found.municipality_ids.tolist())
    covered = Counter(found.municipality_ids[found.covered].tolist())
    groups = Counter(
        _scope(Group.objects.filter(status=Group.Status.ACTIVE), municipality_ids).values_list(
            "municipality_id", flat=True
        )
    )
    members = Counter(
        Member.objects.current()
        .filter(group__status=Group.Status.ACTIVE)
        .filter(**({} if municipality_ids is None else {"group__municipality_id__in": municipality_ids}))
        .values_list("group__municipality_id", flat=True)
    )
    for pk, row in rows.items():
        row.addresses, row.covered_addresses = totals.get(pk, 0), covered.get(pk, 0)
        row.active_groups, row.members = groups.get(pk, 0), members.get(pk, 0)
    return NationalCoverage(rows=list(rows.values()))


def widen(bbox: tuple[float, float, float, float], metres: float) -> tuple[float, float, float, float]:
    """The box grown by ``metres`` on every side (in degrees, generously at the box's latitudes)."""
    min_lon, min_lat, max_lon, max_lat = bbox
    dlat = metres / 111_000
    cos = max(0.05, min(math.cos(math.radians(min_lat)), math.cos(math.radians(max_lat))))
    dlon = metres / (111_000 * cos)
    return (min_lon - dlon, min_lat - dlat, max_lon + dlon, max_lat + dlat)
