"""Broadcasts over the private API: police and coordinators message every admin of a
municipality, a police zone or a drawn area, and if they choose so the members there who asked
for alerts; red (now, on WhatsApp/SMS) or green (e-mail, after the quiet hours). Admins are
listed by name; members only counted."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from apps.relays.broadcasts import admin_rows, member_counts, send_broadcast

from .schemas import DetailOut, ErrorOut

router = Router(tags=["broadcasts"])


class BroadcastIn(Schema):
    urgency: Literal["red", "green"]
    subject: str = Field(max_length=200)
    text: str = Field(max_length=2000)
    municipality_id: int | None = None
    zone_id: int | None = None
    area: dict | None = Field(None, description="A GeoJSON Polygon (WGS84): the groups whose areas it touches.")
    audience: Literal["admins", "admins_and_members"] = Field(
        "admins",
        description="`admins_and_members` also reaches the current members of those groups who asked for alerts "
        "on their application and did not stop them.",
    )


class BroadcastRecipientOut(Schema):
    name: str
    channel: str | None
    status: str
    not_before: datetime | None


class BroadcastCountsOut(Schema):
    admins: int
    members: int


class BroadcastOut(Schema):
    id: int
    scope: str
    urgency: str
    audience: str
    created_at: datetime
    counts: BroadcastCountsOut = Field(description="How many admins and members the broadcast was queued for.")
    recipients: list[BroadcastRecipientOut] = Field(description="The admins, by name.")
    member_statuses: dict[str, int] = Field(
        description="The members' messages per delivery status (`no_channel`: none could reach them); no names."
    )


@router.post(
    "/broadcasts",
    response={201: BroadcastOut, 400: ErrorOut, 401: DetailOut, 403: DetailOut},
    summary="Message all admins (and members who asked for alerts) of a municipality, a police zone or a drawn area",
    description="For police (their zone and its municipalities) and coordinators (their municipality). "
    "Give exactly one of `municipality_id`, `zone_id`, `area`. Group admins are refused with 403. "
    "Members are counted, never named.",
)
def create_broadcast(request: HttpRequest, payload: BroadcastIn) -> tuple[int, dict]:
    broadcast = send_broadcast(
        actor=request.auth,
        urgency=payload.urgency,
        subject=payload.subject,
        text=payload.text,
        municipality_id=payload.municipality_id,
        zone_id=payload.zone_id,
        geometry=payload.area,
        audience=payload.audience,
    )
    rows = [
        {"name": r["name"], "channel": r["channel"], "status": r["status"], "not_before": r["not_before"]}
        for r in admin_rows(broadcast)
    ]
    statuses = member_counts(broadcast)
    return 201, {
        "id": broadcast.pk,
        "scope": broadcast.scope,
        "urgency": broadcast.urgency,
        "audience": broadcast.audience,
        "created_at": broadcast.created_at,
        "counts": {"admins": len(rows), "members": sum(statuses.values())},
        "recipients": rows,
        "member_statuses": statuses,
    }
