"""The public lookup answered from memory: what the API's lookup endpoint shows of areas and
groups (names, slugs, statuses; never a person) kept beside the area index.

The snapshot is rebuilt whenever the area index is, and the index's version token changes on
every change of an area, a group or a municipality (see ``apps.groups.apps``), so a lookup by
point costs no database query at all.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from apps.areas import index
from apps.areas.models import Area

from .models import Group


@dataclass(frozen=True, slots=True)
class PublicGroup:
    id: int
    name: str
    slug: str
    status: str
    url: str

    @property
    def public(self) -> dict:
        """What the lookup endpoint shows of the group (``GroupSummary``)."""
        return {"id": self.id, "name": self.name, "slug": self.slug, "status": self.status, "url": self.url}


@dataclass(frozen=True, slots=True)
class PublicArea:
    id: int
    name: str
    groups: tuple[PublicGroup, ...]

    @property
    def public(self) -> dict:
        """What the lookup endpoint shows of the area (``AreaRef``)."""
        return {"id": self.id, "name": self.name}


_lock = threading.Lock()
_snapshot: tuple[str | None, dict[int, PublicArea]] = (None, {})


def _build() -> dict[int, PublicArea]:
    groups: dict[int, list[PublicGroup]] = {}
    rows = (
        Group.objects.exclude(status=Group.Status.CLOSED)
        .order_by("area_id", "id")
        .values_list("area_id", "id", "name", "slug", "status")
    )
    # Reversed once per snapshot rather than once per answer.
    page = settings.BUURTWACHT_SITE_URL + reverse("public:group_detail", args=["slug-placeholder"])
    for area_id, pk, name, slug, status in rows:
        url = page.replace("slug-placeholder", slug)
        groups.setdefault(area_id, []).append(PublicGroup(pk, name, slug, status, url))
    for members in groups.values():
        # The same order as ``lookup_point``: active groups before forming ones, then by id.
        members.sort(key=lambda g: (g.status != Group.Status.ACTIVE, g.id))
    return {
        pk: PublicArea(pk, name, tuple(groups.get(pk, ())))
        for pk, name in Area.objects.values_list("id", "name").iterator()
    }


def lookup(lon: float, lat: float) -> tuple[list[PublicArea], bool]:
    """The areas covering the point (smallest first, as the index orders them) and whether the
    point lies on a border."""
    global _snapshot
    hits = index.lookup(lon, lat)
    token = index.built_token()
    if _snapshot[0] != token or token is None:
        with _lock:
            if _snapshot[0] != token or token is None:
                _snapshot = (token, _build())
    areas = _snapshot[1]
    return [areas[h.area_id] for h in hits if h.area_id in areas], any(h.on_border for h in hits)
