"""Broadcasts over the private API: police and coordinators message every admin of a
municipality, a police zone or a drawn area, and if they choose so the members there who asked
for alerts; red (now, on WhatsApp/SMS) or green (e-mail, after the quiet hours). Admins are
listed by name; members only counted.

A broadcast goes out once. A client that may send the same request again (a retry after a
timeout) sends an ``Idempotency-Key`` header: the same key from the same account within 24 hours
answers the broadcast it made, a key used for another request is refused with 422. Without the
header, the same request of the same account within a minute answers the broadcast that already
went out, as on the desk (``apps.relays.broadcasts``, ADR 0025)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Header, Router, Schema

from apps.relays.broadcasts import (
    RequestKeyReused,
    admin_rows,
    member_states,
    signature,
    submit_broadcast,
)

from .schemas import DetailOut, ErrorOut, object_id, text_field

router = Router(tags=["broadcasts"])

KEY_HEADER = "Idempotency-Key"
MAX_KEY = 255
# Visible ASCII without the quote and the backslash: a UUID, a ULID, a hash, a name with dashes.
_KEY = re.compile(rf"[!#-\[\]-~]{{1,{MAX_KEY}}}")


class BroadcastIn(Schema):
    urgency: Literal["red", "green"]
    subject: str = text_field(200, required=True)
    text: str = text_field(2000, required=True)
    municipality_id: int | None = object_id()
    zone_id: int | None = object_id()
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
    possible_repeat: bool = Field(
        description="The connection to the gateway broke while the message was being sent, and it was sent "
        "again: it may have arrived twice."
    )


class BroadcastCountsOut(Schema):
    admins: int
    members: int


class BroadcastOut(Schema):
    id: int
    scope: str
    urgency: str
    audience: str
    created_at: datetime
    sender: str = Field(description="Who the messages name as the sender: name, organisation and role.")
    counts: BroadcastCountsOut = Field(description="How many admins and members the broadcast was queued for.")
    recipients: list[BroadcastRecipientOut] = Field(description="The admins, by name.")
    member_statuses: dict[str, int] = Field(
        description="The members' messages per delivery status (`no_channel`: none could reach them); no names."
    )
    member_possible_repeats: int = Field(description="How many of the members' messages may have arrived twice.")


def _key(header: str | None) -> str | None:
    """The client's key, without the quotes of a structured-field string; "" without the header,
    None for a key that is empty, too long or holds other than visible ASCII characters."""
    if header is None:
        return ""
    key = header.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not _KEY.fullmatch(key):
        return None
    return key


def broadcast_out(broadcast) -> dict:
    rows = [
        {
            "name": r["name"],
            "channel": r["channel"],
            "status": r["status"],
            "not_before": r["not_before"],
            "possible_repeat": r["possible_repeat"],
        }
        for r in admin_rows(broadcast)
    ]
    statuses, repeats = member_states(broadcast)
    return {
        "id": broadcast.pk,
        "scope": broadcast.scope,
        "urgency": broadcast.urgency,
        "audience": broadcast.audience,
        "created_at": broadcast.created_at,
        "sender": signature(broadcast),
        "counts": {"admins": len(rows), "members": sum(statuses.values())},
        "recipients": rows,
        "member_statuses": statuses,
        "member_possible_repeats": repeats,
    }


@router.post(
    "/broadcasts",
    response={201: BroadcastOut, 400: ErrorOut, 401: DetailOut, 403: DetailOut, 422: ErrorOut},
    summary="Message all admins (and members who asked for alerts) of a municipality, a police zone or a drawn area",
    description="For police (their zone and its municipalities) and coordinators (their municipality). "
    "Give exactly one of `municipality_id`, `zone_id`, `area`. Group admins are refused with 403. "
    "Members are counted, never named.\n\n"
    "**Sent once.** Send an `Idempotency-Key` header (a UUID, or up to 255 visible ASCII characters) to "
    "send the same request again safely: within 24 hours the same key from the same account answers 201 "
    "with the broadcast it made (its current delivery states) and the header `Idempotent-Replayed: true`, "
    "and sends nothing again; the same key with another body answers 422. Without the header, the same "
    "request of the same account within a minute answers the broadcast that already went out, also with "
    "`Idempotent-Replayed: true`.",
)
def create_broadcast(
    request: HttpRequest,
    response: HttpResponse,
    payload: BroadcastIn,
    idempotency_key: str | None = Header(
        None,
        alias=KEY_HEADER,
        description="A key of your own for this request (a UUID is a good one), at most 255 visible ASCII "
        "characters. The same key within 24 hours answers the broadcast it made; another body with it is "
        "refused with 422.",
    ),
) -> tuple[int, dict]:
    key = _key(idempotency_key)
    if key is None:
        message = _("Send an Idempotency-Key of 1 to %(n)s visible characters without spaces, such as a UUID.")
        return 400, {"errors": {KEY_HEADER: [message % {"n": MAX_KEY}]}}
    try:
        sent = submit_broadcast(
            actor=request.auth,
            urgency=payload.urgency,
            subject=payload.subject,
            text=payload.text,
            municipality_id=payload.municipality_id,
            zone_id=payload.zone_id,
            geometry=payload.area,
            audience=payload.audience,
            request_key=f"api:{key}" if key else "",
            window=not key,
        )
    except RequestKeyReused as exc:
        return 422, {"errors": {KEY_HEADER: [str(m) for m in exc.messages]}}
    if sent.repeat:
        response["Idempotent-Replayed"] = "true"
    return 201, broadcast_out(sent.broadcast)
