"""Broadcasts over the private API: police and coordinators message every admin of a
municipality, a police zone or a drawn area, red (now, on WhatsApp/SMS) or green (e-mail,
after each admin's quiet hours)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema

from apps.relays.broadcasts import send_broadcast

from .schemas import DetailOut, ErrorOut

router = Router(tags=["broadcasts"])


class BroadcastIn(Schema):
    urgency: Literal["red", "green"]
    subject: str = Field(max_length=200)
    text: str = Field(max_length=2000)
    municipality_id: int | None = None
    zone_id: int | None = None
    area: dict | None = Field(None, description="A GeoJSON Polygon (WGS84): the groups whose areas it touches.")


class BroadcastRecipientOut(Schema):
    name: str
    channel: str | None
    status: str
    not_before: datetime | None


class BroadcastOut(Schema):
    id: int
    scope: str
    urgency: str
    created_at: datetime
    recipients: list[BroadcastRecipientOut]


@router.post(
    "/broadcasts",
    response={201: BroadcastOut, 400: ErrorOut, 401: DetailOut, 403: DetailOut},
    summary="Message all admins of a municipality, a police zone or a drawn area",
    description="For police (their zone and its municipalities) and coordinators (their municipality). "
    "Give exactly one of `municipality_id`, `zone_id`, `area`. Group admins are refused with 403.",
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
    )
    rows = []
    for r in broadcast.recipients.select_related("message"):
        rows.append(
            {
                "name": r.name,
                "channel": r.channel or None,
                "status": r.message.status if r.message else "no_channel",
                "not_before": r.message.next_attempt_at if r.message else None,
            }
        )
    return 201, {
        "id": broadcast.pk,
        "scope": broadcast.scope,
        "urgency": broadcast.urgency,
        "created_at": broadcast.created_at,
        "recipients": rows,
    }
