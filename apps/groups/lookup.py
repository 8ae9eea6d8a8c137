"""Which group covers an address or a point."""

from __future__ import annotations

from dataclasses import dataclass, field

from apps.addresses.models import Address
from apps.areas import index
from apps.areas.models import Area
from apps.geocoding.services import locate

from .models import Group


@dataclass
class Lookup:
    lon: float
    lat: float
    areas: list[Area] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    on_border: bool = False
    address: Address | None = None

    @property
    def group(self) -> Group | None:
        """The group to apply to: the first (smallest area, then lowest id) that is open."""
        return self.groups[0] if self.groups else None

    @property
    def municipality(self):
        if self.address is not None and self.address.municipality_id:
            return self.address.municipality
        if self.areas:
            return self.areas[0].municipality
        return None


def lookup_point(lon: float, lat: float) -> Lookup:
    hits = index.lookup(lon, lat)
    ids = [h.area_id for h in hits]
    areas_by_id = Area.objects.select_related("municipality").in_bulk(ids)
    areas = [areas_by_id[i] for i in ids if i in areas_by_id]
    order = {area_id: n for n, area_id in enumerate(ids)}
    groups = sorted(
        Group.objects.filter(area_id__in=ids)
        .exclude(status=Group.Status.CLOSED)
        .select_related("municipality", "area"),
        key=lambda g: (order[g.area_id], g.status != Group.Status.ACTIVE, g.pk),
    )
    return Lookup(lon=lon, lat=lat, areas=areas, groups=groups, on_border=any(h.on_border for h in hits))


def lookup_address(postcode: str, house_number: str, addition: str = "", street: str = "") -> Lookup:
    """Raises ``ValidationError`` (per field) when the address is not in the register, and
    ``AmbiguousAddress`` when the street is needed to tell addresses apart."""
    address = locate(postcode, house_number, addition, street)
    result = lookup_point(address.lon, address.lat)
    result.address = address
    return result
