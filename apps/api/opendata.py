"""Open data: one download of all public group data, so a national registry or a neighbouring
municipality can take it over. No personal data: no members, admins, applicants or invite links."""

from __future__ import annotations

import json

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router

from apps.coverage.sub_municipalities import covered_counts
from apps.groups.models import Group
from apps.members.bands import band_labels, member_band
from apps.members.models import Member
from apps.municipalities.models import Municipality

from .areas import areas_collection
from .groups import group_url

router = Router(tags=["open data"])


def open_data() -> dict:
    current = dict(
        Member.objects.current().order_by().values("group").annotate(n=Count("pk")).values_list("group", "n")
    )
    municipalities = Municipality.objects.annotate(
        active_groups=Count("groups", filter=Q(groups__status=Group.Status.ACTIVE))
    ).order_by("country", "name")
    subs = covered_counts()
    groups = (
        Group.objects.exclude(status=Group.Status.CLOSED)
        .select_related("municipality")
        .only("id", "name", "slug", "status", "capacity", "area_id", "municipality__name", "municipality__code")
        .order_by("municipality__name", "name", "id")
    )
    return {
        "generated_at": timezone.now().isoformat(),
        "description": "Buurtwacht open data: WhatsApp neighbourhood-watch groups and their areas. No personal data.",
        # Member counts are published in bands, never exactly (apps.members.bands).
        "member_bands": band_labels(),
        "municipalities": [
            {
                "name": m.name,
                "code": m.code,
                "country": m.country,
                "police_emergency_number": m.police_emergency_number,
                "police_non_urgent_number": m.police_non_urgent_number,
                "active_groups": m.active_groups,
                # The figure of the municipality's desk pages: apps.coverage.sub_municipalities.
                "sub_municipalities": subs[m.pk].total if m.pk in subs else 0,
                "covered_sub_municipalities": subs[m.pk].covered if m.pk in subs else 0,
            }
            for m in municipalities
        ],
        "groups": [
            {
                "id": g.pk,
                "name": g.name,
                "slug": g.slug,
                "status": g.status,
                "municipality": g.municipality.name,
                "municipality_code": g.municipality.code,
                "area_id": g.area_id,
                "capacity": g.capacity,
                "members": member_band(current.get(g.pk, 0)),
                "url": group_url(g.slug),
            }
            for g in groups
        ],
        "areas": areas_collection(),
    }


@router.get(
    "/opendata/groups.json",
    auth=None,
    summary="Download all public group data (open data)",
    description=(
        "One JSON document with every municipality (with how many of its sub-municipalities an active group "
        "covers), every group that is not closed (name, status, capacity, "
        "number of members as a band: fewer than 10, 10-24, 25-49, 50-99, 100 or more; public page) and every "
        "area as GeoJSON. No personal data."
    ),
)
def download(request: HttpRequest) -> HttpResponse:
    body = json.dumps(open_data(), separators=(",", ":"), ensure_ascii=False)
    response = HttpResponse(body, content_type="application/json")
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="buurtwacht-open-data-{stamp}.json"'
    response["Access-Control-Allow-Origin"] = "*"
    return response
