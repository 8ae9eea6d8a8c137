"""The one write path for areas (``save_area``; ``importer.import_areas`` for whole files)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.municipalities.permissions import require_municipality

from . import index, neighbours
from .geometry import AreaGeometry, parse_area_geometry, to_geojson
from .models import Area


def apply_geometry(area: Area, parsed: AreaGeometry) -> None:
    """Put a checked geometry on an area (not saved)."""
    area.geometry = to_geojson(parsed.geojson)
    area.min_lon, area.min_lat, area.max_lon, area.max_lat = parsed.bounds
    area.area_m2 = parsed.area_m2
    area.updated_at = timezone.now()


@transaction.atomic
def save_area(
    *,
    municipality,
    name: str,
    geometry: Any,
    sub_municipality=None,
    area: Area | None = None,
    actor,
) -> Area:
    require_municipality(actor, municipality)
    if area is not None and area.pk and area.municipality_id != municipality.pk:
        require_municipality(actor, area.municipality)
    parsed = parse_area_geometry(geometry)
    area = area or Area(municipality=municipality)
    area.municipality = municipality
    area.sub_municipality = sub_municipality
    area.name = name.strip()
    apply_geometry(area, parsed)
    area.save()  # the post_save signal tells every process's index (index.bump)
    record(actor, AuditEvent.Action.AREA_SAVED, area, area_m2=round(parsed.area_m2))
    # Its neighbours in the same transaction: committed with the area or not at all (ADR 0019).
    neighbours.refresh([area.pk])
    transaction.on_commit(index.invalidate)
    return area
