"""Coverage: the municipality's first question. Which addresses lie in an active group's area,
per municipality and sub-municipality, and what follows from it.

Everything is counted from the register and the areas in one pass: the addresses of the
municipality as arrays, one STRtree query of them against the active groups' areas (and the
sub-municipalities' boundaries), so a municipality of 100,000 addresses takes well under a
second. Whether a sub-municipality is covered is decided in one place for every page, the API
and the exports: ``sub_municipalities.cover`` (an active group's area overlaps it for real).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from shapely.geometry import shape

from apps.addresses.models import Address
from apps.groups.models import Group
from apps.members.models import Member
from apps.municipalities.models import Municipality

from .sub_municipalities import sub_municipality_cover

NEAR_CAPACITY_PERCENT = 90
UNCOVERED_STREETS_SHOWN = 200


@dataclass
class SubCoverage:
    name: str
    addresses: int = 0
    covered_addresses: int = 0
    groups: int = 0
    members: int = 0
    covered: bool = False  # see sub_municipalities: an active group's area overlaps it for real

    @property
    def share(self) -> float:
        return self.covered_addresses / self.addresses if self.addresses else 0.0

    @property
    def members_per_100(self) -> float:
        return 100 * self.members / self.addresses if self.addresses else 0.0


@dataclass
class GroupLoad:
    id: int
    name: str
    members: int
    capacity: int

    @property
    def percent(self) -> int:
        return round(100 * self.members / self.capacity) if self.capacity else 100


@dataclass
class Coverage:
    municipality: Municipality
    active_groups: int = 0
    members: int = 0
    addresses: int = 0
    covered_addresses: int = 0
    sub_municipalities: list[SubCoverage] = field(default_factory=list)
    near_capacity: list[GroupLoad] = field(default_factory=list)
    largest_group: GroupLoad | None = None
    uncovered_streets: list[tuple[str, str, int]] = field(default_factory=list)  # (street, town, addresses)
    uncovered_street_count: int = 0

    @property
    def share(self) -> float:
        return self.covered_addresses / self.addresses if self.addresses else 0.0

    @property
    def members_per_100(self) -> float:
        return 100 * self.members / self.addresses if self.addresses else 0.0

    @property
    def covered_sub_municipalities(self) -> int:
        return sum(s.covered for s in self.sub_municipalities)

    def sentence(self) -> str:
        """ "8 groups, 330 members, 11 of 12 sub-municipalities covered, largest group 85"."""

        def number(n: int) -> str:  # 12.500 in Dutch, 12 500 in French, 12,500 in English
            return number_format(n, force_grouping=True)

        parts = [
            ngettext("%(n)s group", "%(n)s groups", self.active_groups) % {"n": number(self.active_groups)},
            ngettext("%(n)s member", "%(n)s members", self.members) % {"n": number(self.members)},
        ]
        if self.sub_municipalities:
            parts.append(
                _("%(covered)s of %(total)s sub-municipalities covered")
                % {"covered": number(self.covered_sub_municipalities), "total": number(len(self.sub_municipalities))}
            )
        largest = self.largest_group.members if self.largest_group else 0
        parts.append(_("largest group %(n)s") % {"n": number(largest)})
        return ", ".join(parts)


def _active_groups(municipality: Municipality) -> list[Group]:
    current = Counter(
        Member.objects.current().filter(group__municipality=municipality).values_list("group_id", flat=True)
    )
    groups = list(
        Group.objects.filter(municipality=municipality, status=Group.Status.ACTIVE)
        .select_related("area")
        .order_by("name", "pk")
    )
    for g in groups:
        g.current_members = current.get(g.pk, 0)
    return groups


def address_points(municipality: Municipality):
    """(ids, lon, lat, street, town) of the municipality's addresses, as arrays."""
    rows = list(Address.objects.filter(municipality=municipality).values_list("pk", "lon", "lat", "street", "town"))
    if not rows:
        empty = np.empty(0)
        return empty, empty, empty, [], []
    ids, lons, lats, streets, towns = zip(*rows, strict=True)
    return np.asarray(ids), np.asarray(lons, dtype=float), np.asarray(lats, dtype=float), streets, towns


def covered_mask(lons: np.ndarray, lats: np.ndarray, geometries: list) -> np.ndarray:
    """True for each point that lies in (or on the edge of) any of the geometries."""
    mask = np.zeros(len(lons), dtype=bool)
    if not len(lons) or not geometries:
        return mask
    polygons = np.asarray(geometries, dtype=object)
    shapely.prepare(polygons)
    tree = shapely.STRtree(polygons)
    points = shapely.points(lons, lats)
    found, _which = tree.query(points, predicate="intersects")
    mask[found] = True
    return mask


def coverage_for(municipality: Municipality) -> Coverage:
    groups = _active_groups(municipality)
    result = Coverage(municipality=municipality, active_groups=len(groups))
    result.members = sum(g.current_members for g in groups)
    loads = [GroupLoad(g.pk, g.name, g.current_members, g.capacity) for g in groups]
    result.near_capacity = sorted(
        (g for g in loads if 100 * g.members >= NEAR_CAPACITY_PERCENT * g.capacity), key=lambda g: -g.percent
    )
    result.largest_group = max(loads, key=lambda g: (g.members, -g.id), default=None)
    group_geoms = [shape(g.area.geometry) for g in groups]
    _ids, lons, lats, streets, towns = address_points(municipality)
    covered = covered_mask(lons, lats, group_geoms)
    result.addresses = len(lons)
    result.covered_addresses = int(covered.sum())
    # Uncovered streets: every street with at least one address outside all active groups' areas.
    uncovered = Counter((streets[i], towns[i]) for i in np.flatnonzero(~covered).tolist())
    result.uncovered_street_count = len(uncovered)
    result.uncovered_streets = sorted(
        ((street, town, n) for (street, town), n in uncovered.items()), key=lambda s: (-s[2], s[1], s[0])
    )[:UNCOVERED_STREETS_SHOWN]
    points = shapely.points(lons, lats) if len(lons) else None
    by_id = {g.pk: g for g in groups}
    for cover in sub_municipality_cover(municipality, groups):
        sub = cover.sub_municipality
        row = SubCoverage(name=sub.name, covered=cover.covered, groups=len(cover.group_ids))
        row.members = sum(by_id[pk].current_members for pk in cover.group_ids)
        if sub.geometry and points is not None:
            boundary = shape(sub.geometry)
            shapely.prepare(boundary)
            inside = shapely.intersects(boundary, points)
            row.addresses = int(inside.sum())
            row.covered_addresses = int((inside & covered).sum())
        result.sub_municipalities.append(row)
    return result
