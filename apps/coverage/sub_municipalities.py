"""Which sub-municipalities are covered: the one definition every page, the API and the exports
use ("11 of 12 sub-municipalities covered"). See docs/adr/0017-one-coverage-figure.md.

A sub-municipality is covered when the area of at least one active group of its municipality
overlaps it for real: the surface they share, measured in metres (ETRS89-LAEA, EPSG:3035, the
projection the areas app measures overlaps and distances in), is at least
``MIN_OVERLAP_WIDTH_M`` wide somewhere. A group whose area spans two sub-municipalities covers
both; an area that only touches a sub-municipality's boundary, or crosses it by a strip
narrower than that (a drawing difference along a shared boundary, not a street of houses),
covers nothing there. How much of the sub-municipality the groups cover is not asked: that is
what the address figures answer (``services.coverage_for``).

A sub-municipality without a boundary is covered when an area of an active group is linked to it
(``Area.sub_municipality``), the only thing known of it. Every sub-municipality counts in the
total, with a boundary or without.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import shape

from apps.areas.neighbours import to_metres
from apps.groups.models import Group
from apps.municipalities.models import Municipality, SubMunicipality

# The shared surface must hold a disc of this diameter. 50 m is a street with houses on both
# sides; boundaries drawn by hand and official ones differ by less along their length.
MIN_OVERLAP_WIDTH_M = 50.0


@dataclass(frozen=True)
class SubMunicipalityCover:
    sub_municipality: SubMunicipality
    group_ids: tuple[int, ...]  # the active groups that cover it, in the order they were given

    @property
    def name(self) -> str:
        return self.sub_municipality.name

    @property
    def covered(self) -> bool:
        return bool(self.group_ids)


@dataclass(frozen=True)
class CoveredCount:
    covered: int
    total: int


def overlaps_for_real(area_m, boundary_m) -> bool:
    """Whether two polygons in metres share a surface at least ``MIN_OVERLAP_WIDTH_M`` wide."""
    if not area_m.intersects(boundary_m) or area_m.touches(boundary_m):
        return False
    shared = area_m.intersection(boundary_m)
    radius = MIN_OVERLAP_WIDTH_M / 2
    if shared.area < np.pi * radius * radius:
        return False
    return not shared.buffer(-radius).is_empty


def cover(subs: Iterable[SubMunicipality], groups: Iterable[Group]) -> list[SubMunicipalityCover]:
    """For each sub-municipality (in the order given), the groups among ``groups`` that cover it.
    ``groups`` must be the active groups of the sub-municipalities' municipality, with their area."""
    subs, groups = list(subs), list(groups)
    areas = [to_metres(shape(g.area.geometry)) for g in groups]
    tree = shapely.STRtree(np.asarray(areas, dtype=object)) if areas else None
    result = []
    for sub in subs:
        if sub.geometry:
            boundary = to_metres(shape(sub.geometry))
            shapely.prepare(boundary)
            near = sorted(tree.query(boundary).tolist()) if tree is not None else []
            found = tuple(groups[i].pk for i in near if overlaps_for_real(areas[i], boundary))
        else:
            found = tuple(g.pk for g in groups if g.area.sub_municipality_id == sub.pk)
        result.append(SubMunicipalityCover(sub, found))
    return result


def _active_groups(municipality_ids: list[int] | None):
    groups = Group.objects.filter(status=Group.Status.ACTIVE).select_related("area").order_by("name", "pk")
    if municipality_ids is not None:
        groups = groups.filter(municipality_id__in=municipality_ids)
    return groups


def sub_municipality_cover(municipality: Municipality, groups: list[Group] | None = None) -> list[SubMunicipalityCover]:
    """The municipality's sub-municipalities by name, each with the active groups that cover it.
    ``groups``: the municipality's active groups with their area, when the caller has them."""
    if groups is None:
        groups = list(_active_groups([municipality.pk]))
    return cover(municipality.sub_municipalities.order_by("name", "pk"), groups)


def covered_count(municipality: Municipality) -> CoveredCount:
    """How many of the municipality's sub-municipalities are covered, of how many."""
    rows = sub_municipality_cover(municipality)
    return CoveredCount(sum(r.covered for r in rows), len(rows))


def covered_counts(municipality_ids: list[int] | None = None) -> dict[int, CoveredCount]:
    """``covered_count`` of many municipalities (``None``: all) in two queries; a municipality
    without sub-municipalities is absent."""
    subs: dict[int, list[SubMunicipality]] = defaultdict(list)
    queryset = SubMunicipality.objects.order_by("municipality_id", "name", "pk")
    if municipality_ids is not None:
        queryset = queryset.filter(municipality_id__in=municipality_ids)
    for sub in queryset:
        subs[sub.municipality_id].append(sub)
    groups: dict[int, list[Group]] = defaultdict(list)
    for group in _active_groups(list(subs)):
        groups[group.municipality_id].append(group)
    result = {}
    for municipality_id, rows in subs.items():
        found = cover(rows, groups[municipality_id])
        result[municipality_id] = CoveredCount(sum(r.covered for r in found), len(found))
    return result
