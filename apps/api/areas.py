"""Open data: every area as GeoJSON, with the public facts of the groups in it."""

from __future__ import annotations

import json
from collections import defaultdict

from django.http import HttpRequest, HttpResponse
from ninja import Router

from apps.areas.models import Area
from apps.groups.models import Group

from .groups import group_url

router = Router(tags=["open data"])

GEOJSON = "application/geo+json"


def public_groups_by_area() -> dict[int, list[dict]]:
    """The published fields of every group that is not closed, per area: no people, no invite link."""
    by_area: dict[int, list[dict]] = defaultdict(list)
    groups = (
        Group.objects.exclude(status=Group.Status.CLOSED)
        .only("id", "name", "slug", "status", "capacity", "area_id")
        .order_by("name", "id")
    )
    for g in groups:
        by_area[g.area_id].append(
            {"id": g.pk, "name": g.name, "slug": g.slug, "status": g.status, "url": group_url(g.slug)}
        )
    return by_area


def areas_collection() -> dict:
    groups = public_groups_by_area()
    areas = (
        Area.objects.select_related("municipality", "sub_municipality")
        .only(
            "id",
            "name",
            "geometry",
            "area_m2",
            "updated_at",
            "municipality__name",
            "municipality__code",
            "municipality__country",
            "sub_municipality__name",
        )
        .order_by("municipality__country", "municipality__name", "name", "id")
    )
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": a.pk,
                "geometry": a.geometry,
                "properties": {
                    "id": a.pk,
                    "name": a.name,
                    "municipality": a.municipality.name,
                    "municipality_code": a.municipality.code,
                    "country": a.municipality.country,
                    "sub_municipality": a.sub_municipality.name if a.sub_municipality else None,
                    "area_m2": round(a.area_m2),
                    "updated_at": a.updated_at.isoformat(),
                    "groups": groups.get(a.pk, []),
                },
            }
            for a in areas
        ],
    }


@router.get(
    "/areas.geojson",
    auth=None,
    summary="Every area as GeoJSON (open data)",
    description=(
        "All areas of every municipality as one GeoJSON FeatureCollection (WGS84, lon/lat), with the "
        "municipality, the sub-municipality, the surface and the public facts of the groups in each area "
        "(name, status, public page). No personal data."
    ),
)
def areas_geojson(request: HttpRequest) -> HttpResponse:
    body = json.dumps(areas_collection(), separators=(",", ":"), ensure_ascii=False)
    response = HttpResponse(body, content_type=GEOJSON)
    response["Access-Control-Allow-Origin"] = "*"
    return response
