"""Groups: the public map layer, and the member list of a group the user manages."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from ninja import Router

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.groups import map_layer
from apps.groups.permissions import managed_groups
from apps.members.models import Member
from apps.members.permissions import members_for

from .schemas import DetailOut, GroupCollection, MemberList

router = Router(tags=["groups"])


def group_url(slug: str) -> str:
    """Absolute address of a group's public page."""
    return settings.BUURTWACHT_SITE_URL + reverse("public:group_detail", args=[slug])


@router.get("/groups", auth=None, response=GroupCollection, summary="Open groups as GeoJSON")
def list_groups(request: HttpRequest) -> StreamingHttpResponse:
    """Every group that is not closed, with its area. Only public fields: no admins, no members,
    no invite link. Read in batches and written out as it is read (``apps.groups.map_layer``):
    at 10,000 groups the answer is megabytes, and the process never holds it whole."""
    current_members = (
        Member.objects.current()
        .filter(group=OuterRef("pk"))
        .order_by()
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    page = group_url("slug-placeholder")
    rows = (
        map_layer.with_geometry_text(map_layer.open_groups())
        .annotate(current=Coalesce(Subquery(current_members, output_field=IntegerField()), 0))
        .order_by("municipality__name", "name", "id")
        # Only what is published, so nothing secret is even read.
        .values_list(
            "id",
            "name",
            "slug",
            "status",
            "municipality__name",
            "municipality__country",
            "capacity",
            "current",
            "geometry_text",
        )
    )

    def feature(pk, name, slug, status, municipality, country, capacity, current, geometry):
        properties = {
            "id": pk,
            "name": name,
            "slug": slug,
            "status": status,
            "municipality": municipality,
            "country": country,
            "capacity": capacity,
            "places_available": current < capacity,
            "url": page.replace("slug-placeholder", slug),
        }
        return {"type": "Feature", "id": pk, "properties": properties}, geometry

    body = map_layer.collection(map_layer.features(rows.iterator(chunk_size=map_layer.BATCH), feature))
    return StreamingHttpResponse(body, content_type="application/json; charset=utf-8")


@router.get(
    "/groups/{group_id}/members",
    response={200: MemberList, 401: DetailOut, 404: DetailOut},
    summary="Current members of a group you manage",
)
def list_members(request: HttpRequest, group_id: int) -> dict:
    """The people now in the group, with what an admin needs to add them in WhatsApp.
    Only for the group's admins and its municipality's coordinators; the read is audited."""
    group = get_object_or_404(managed_groups(request.auth), pk=group_id)
    members = list(members_for(request.auth).current().filter(group=group).order_by("full_name", "id"))
    record(request.auth, AuditEvent.Action.MEMBERS_VIEWED, group, group_id=group.pk, count=len(members), via="api")
    return {"group": group, "count": len(members), "items": members}
