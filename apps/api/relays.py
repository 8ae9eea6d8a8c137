"""Relays over the private API: relay an incident, follow who received and acknowledged it, and
decide on a group admin's red relay. The same form, service and rules as the desk (ADR 0027)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from pydantic import ConfigDict

from apps.incidents.permissions import incidents_for
from apps.incidents.viewed import relay_viewed
from apps.relays import services
from apps.relays.forms import RelayForm
from apps.relays.models import Relay
from apps.relays.permissions import relays_for
from apps.relays.services import MAX_RADIUS_M, MIN_RADIUS_M

from .schemas import NO_NUL, DetailOut, ErrorOut

router = Router(tags=["relays"])


class RelayIn(Schema):
    # Either a radius (with or without `"scope": "radius"`) or the neighbouring areas.
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": ["radius_m"], "properties": {"radius_m": {"type": "integer"}}},
                {"required": ["scope"], "properties": {"scope": {"const": "neighbours"}}},
            ]
        }
    )

    radius_m: int | None = Field(
        None,
        ge=MIN_RADIUS_M,
        le=MAX_RADIUS_M,
        description="Groups whose area lies within this many metres of the point: at most 2000 for a group admin, "
        "10000 for a coordinator, 25000 for the police (`BUURTWACHT_RELAY_RADIUS_*_M`); more answers 400 on "
        "`radius_m`.",
    )
    scope: Literal["radius", "neighbours"] | None = Field(
        None, description='"neighbours": the groups of the areas next to the incident\'s area.'
    )
    # Its length is checked by the desk's relay form too, which says so in the user's language.
    note: str = Field("", max_length=1000, pattern=NO_NUL, description="At most 1000 characters.")
    urgency: Literal["red", "green"] | None = Field(
        None,
        description='"red": WhatsApp or SMS at once, also at night; "green": e-mail after each recipient\'s quiet '
        "hours. Omitted: red for the coordinators and police of the incident's municipality, green for others. "
        'A group admin\'s red relay is held (`status` "held", nothing sent) until a coordinator of the '
        "municipality or the police of its zone approves it, lowers it to green or refuses it.",
    )
    note_confirmed: bool = Field(
        False,
        description="A note naming origin, ethnicity or religion is refused (400 on `note`, naming the words) "
        "unless this is true: the sender keeps those words knowingly, and they are recorded with the relay.",
    )


class GroupRefOut(Schema):
    id: int
    name: str


class RecipientOut(Schema):
    id: int
    kind: str
    name: str
    groups: list[GroupRefOut]
    channel: str | None
    status: str = Field(description="queued, sending, sent, failed, or no_channel")
    attempts: int
    last_error: str
    possible_repeat: bool
    acknowledged_at: datetime | None


class RelayOut(Schema):
    id: int
    incident_id: int
    scope: str
    radius_m: int | None
    urgency: str = Field(description="red or green: as sent, or as it will be sent once approved")
    status: str = Field(description="sent, held (waits for approval: nothing sent), approved, lowered or refused")
    sender: str = Field(description="Who it comes from: the sender's role and organisation")
    decided_at: datetime | None
    created_at: datetime
    acknowledged: int
    recipients: list[RecipientOut]


def relay_out(relay: Relay) -> dict:
    rows = services.status_rows(relay)
    return {
        "id": relay.pk,
        "incident_id": relay.incident_id,
        "scope": relay.scope,
        "radius_m": relay.radius_m,
        "urgency": relay.urgency,
        "status": relay.status,
        "sender": relay.sender_text,
        "decided_at": relay.decided_at,
        "created_at": relay.created_at,
        "acknowledged": sum(1 for r in rows if r["acknowledged_at"]),
        "recipients": rows,
    }


@router.post(
    "/incidents/{incident_id}/relays",
    response={201: RelayOut, 400: ErrorOut, 401: DetailOut, 404: DetailOut},
    summary="Relay an incident to neighbouring groups and the police",
    description='Body `{"radius_m": 2000}` or `{"scope": "neighbours"}`. One message per recipient is '
    "queued in the same transaction as the relay. The same request repeated within a minute returns the "
    "same relay. A relay reaches only the groups of the areas the sender looks after (a group admin: their "
    "own groups' areas; a coordinator: the municipality's; the police: their zone's) and of the areas next "
    "to those, within the sender's radius; a scope that reaches nobody answers 400. A group admin's red "
    'relay is held for approval (201, `status` "held"). At most `BUURTWACHT_RELAY_RATE` relays per '
    "sender: one more answers 400 with the time from which it may be sent.",
)
def create_relay(request: HttpRequest, incident_id: int, payload: RelayIn) -> tuple[int, dict]:
    incident = get_object_or_404(incidents_for(request.auth), pk=incident_id)
    arguments = RelayForm(payload.model_dump()).service_arguments()  # the desk's form: one set of rules
    try:
        relay = services.send(actor=request.auth, incident=incident, **arguments)
    except PermissionDenied:
        raise Http404 from None
    return 201, relay_out(relay)


class DecisionIn(Schema):
    decision: Literal["approve", "lower", "refuse"] = Field(
        description='"approve": send it red; "lower": send it green; "refuse": send nothing.'
    )


@router.post(
    "/relays/{relay_id}/decision",
    response={200: RelayOut, 400: ErrorOut, 401: DetailOut, 404: DetailOut},
    summary="Decide on a group admin's red relay that waits for approval",
    description="Only a coordinator of the incident's municipality, the police of its zone or an operator; "
    "anyone else gets 404 and nothing changes. A relay that no longer waits answers 400.",
)
def decide_relay(request: HttpRequest, relay_id: int, payload: DecisionIn) -> dict:
    relay = get_object_or_404(relays_for(request.auth).select_related("incident"), pk=relay_id)
    try:
        relay = services.decide(actor=request.auth, relay=relay, decision=payload.decision)
    except PermissionDenied:
        raise Http404 from None
    return relay_out(relay)


@router.get(
    "/relays/{relay_id}",
    response={200: RelayOut, 401: DetailOut, 404: DetailOut},
    summary="A relay: each recipient with channel, delivery status, attempts and acknowledgement",
)
def get_relay(request: HttpRequest, relay_id: int) -> dict:
    relay = get_object_or_404(relays_for(request.auth).select_related("incident"), pk=relay_id)
    relay_viewed(request.auth, relay, via="api")
    return relay_out(relay)
