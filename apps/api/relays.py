"""Relays over the private API: relay an incident and follow who received and acknowledged it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from apps.incidents.permissions import incidents_for
from apps.relays import services
from apps.relays.forms import RelayForm
from apps.relays.models import Relay
from apps.relays.permissions import relays_for

from .schemas import DetailOut, ErrorOut

router = Router(tags=["relays"])


class RelayIn(Schema):
    radius_m: int | None = Field(None, description="Groups whose area lies within this many metres of the point.")
    scope: Literal["radius", "neighbours"] | None = Field(
        None, description='"neighbours": the groups of the areas next to the incident\'s area.'
    )
    # Its length is checked by the desk's relay form, which says so in the user's language.
    note: str = Field("", description="At most 1000 characters.")
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
        "created_at": relay.created_at,
        "acknowledged": sum(1 for r in rows if r["acknowledged_at"]),
        "recipients": rows,
    }


@router.post(
    "/incidents/{incident_id}/relays",
    response={201: RelayOut, 400: ErrorOut, 401: DetailOut, 404: DetailOut},
    summary="Relay an incident to neighbouring groups and the police",
    description='Body `{"radius_m": 3000}` or `{"scope": "neighbours"}`. One message per recipient is '
    "queued in the same transaction as the relay. The same request repeated within a minute returns the "
    "same relay.",
)
def create_relay(request: HttpRequest, incident_id: int, payload: RelayIn) -> tuple[int, dict]:
    incident = get_object_or_404(incidents_for(request.auth), pk=incident_id)
    arguments = RelayForm(payload.model_dump()).service_arguments()  # the desk's form: one set of rules
    try:
        relay = services.send(actor=request.auth, incident=incident, **arguments)
    except PermissionDenied:
        raise Http404 from None
    return 201, relay_out(relay)


@router.get(
    "/relays/{relay_id}",
    response={200: RelayOut, 401: DetailOut, 404: DetailOut},
    summary="A relay: each recipient with channel, delivery status, attempts and acknowledgement",
)
def get_relay(request: HttpRequest, relay_id: int) -> dict:
    return relay_out(get_object_or_404(relays_for(request.auth), pk=relay_id))
