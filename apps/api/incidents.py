"""Incidents over the private API: record one (the same service and rules as the desk's form)
and read one. Only incidents within the token user's reach are found; the rest is 404."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile

from apps.incidents import services
from apps.incidents.models import Incident
from apps.incidents.permissions import incidents_for
from apps.incidents.viewed import incident_viewed

from .schemas import DetailOut, ErrorOut, object_id, text_field

router = Router(tags=["incidents"])


class PersonIn(Schema):
    sex: str = text_field(20)
    height: str = text_field(40)
    build: str = text_field(60)
    clothing: str = text_field(200)
    face: str = text_field(200)


class VehicleIn(Schema):
    colour: str = text_field(40)
    make: str = text_field(60)
    type: str = text_field(60)
    plate: str = text_field(20, description="As seen; BE and NL plates are written out in their format.")


class IncidentIn(Schema):
    category: Incident.Category
    occurred_at: datetime
    police_called: bool = Field(
        description="Required true (SAAR: the police is called first); false answers 400 with the numbers to call."
    )
    police_reference: str = text_field(60)
    group_id: int | None = object_id("The group it was reported in (one you can see).")
    municipality_id: int | None = object_id("Needed only when neither group nor place tells it.")
    lat: float | None = Field(None, ge=-90, le=90, description="With `lon`: the point (WGS84); both or neither.")
    lon: float | None = Field(None, ge=-180, le=180)
    street: str = text_field(160, description="With house_number: the address, found in the register.")
    house_number: str = text_field(10)
    postcode: str = text_field(
        10, description="Needed when the street is outside the group's municipality or ambiguous."
    )
    address: str = text_field(
        200,
        description="Text about the place. Without a point or street and number it is read as an address "
        "('Noordstraat 1, 3870') and must be found in the register. With none of these and a group, the "
        "incident lies in the group's area.",
    )
    text: str = text_field(4000, required=True, description="What happened.")
    person: PersonIn | None = None
    vehicle: VehicleIn | None = None
    profiling_confirmed: bool = Field(
        False,
        description="Words for origin, ethnicity or religion in the description are refused (400, field "
        "`profiling_confirmed` names them) unless this is true; the confirmation is kept with the incident.",
    )


class PersonOut(Schema):
    sex: str
    height: str
    build: str
    clothing: str
    face: str


class VehicleOut(Schema):
    colour: str
    make: str
    type: str
    plate: str
    plate_country: str


class AttachmentOut(Schema):
    id: int
    kind: str
    content_type: str
    size: int
    sha256: str


class IncidentOut(Schema):
    id: int
    category: str
    category_label: str
    status: str
    occurred_at: datetime
    municipality_id: int
    area_id: int | None
    group_id: int | None
    lat: float | None
    lon: float | None
    address: str
    text: str
    police_called: bool
    police_reference: str
    person: PersonOut
    vehicle: VehicleOut
    police_feedback: str
    closed_at: datetime | None
    created_at: datetime
    relay_ids: list[int]
    attachments: list[AttachmentOut]
    profiling_words: list[str]
    profiling_confirmed_at: datetime | None


def incident_out(incident: Incident) -> dict:
    return {
        "id": incident.pk,
        "category": incident.category,
        "category_label": str(incident.get_category_display()),
        "status": incident.status,
        "occurred_at": incident.occurred_at,
        "municipality_id": incident.municipality_id,
        "area_id": incident.area_id,
        "group_id": incident.group_id,
        "lat": incident.lat,
        "lon": incident.lon,
        "address": incident.address,
        "text": incident.text,
        "police_called": incident.police_called,
        "police_reference": incident.police_reference,
        "person": incident.person(),
        "vehicle": incident.vehicle(),
        "police_feedback": incident.police_feedback,
        "closed_at": incident.closed_at,
        "created_at": incident.created_at,
        "relay_ids": list(incident.relays.order_by("id").values_list("id", flat=True)),
        "attachments": [
            {"id": a.pk, "kind": a.kind, "content_type": a.content_type, "size": a.size, "sha256": a.sha256}
            for a in incident.attachments.order_by("id")
        ],
        "profiling_words": list(incident.profiling_words or []),
        "profiling_confirmed_at": incident.profiling_confirmed_at,
    }


API_FIELD_NAMES = {"group": "group_id", "municipality": "municipality_id"}


@router.post(
    "/incidents",
    response={201: IncidentOut, 400: ErrorOut, 401: DetailOut},
    summary="Record an incident",
    description="Checked exactly like the desk's form. `police_called` must be true (SAAR); otherwise 400 "
    "names the police numbers of the municipality's country. The place must be one the sender looks after: "
    "a group admin's own groups' areas, a coordinator's municipality, the municipalities of a police zone, or "
    "at most the municipality's tolerance (`incident_tolerance_m`, 500 m unless its coordinators chose "
    "otherwise) outside their areas; elsewhere 400 on the field that gave the place (`lat`, `street` or "
    "`address`) says how far it is. Nothing is sent: relay it with `POST /incidents/{id}/relays`.",
)
def create_incident(request: HttpRequest, payload: IncidentIn) -> tuple[int, dict]:
    data = payload.model_dump(exclude={"person", "vehicle"})
    for key, value in (payload.person.model_dump() if payload.person else {}).items():
        data[f"person_{key}"] = value
    for key, value in (payload.vehicle.model_dump() if payload.vehicle else {}).items():
        data[f"vehicle_{key}"] = value
    data["category"] = payload.category.value
    data["group"], data["municipality"] = data.pop("group_id"), data.pop("municipality_id")
    try:
        incident = services.create_incident(actor=request.auth, data=data)
    except ValidationError as exc:
        # The form names the fields as the page shows them; the API as its schema does.
        raise ValidationError(
            {API_FIELD_NAMES.get(field, field): errors for field, errors in exc.error_dict.items()}
        ) from None
    return 201, incident_out(incident)


@router.get(
    "/incidents/{incident_id}",
    response={200: IncidentOut, 401: DetailOut, 404: DetailOut},
    summary="One incident",
)
def get_incident(request: HttpRequest, incident_id: int) -> dict:
    incident = get_object_or_404(incidents_for(request.auth), pk=incident_id)
    incident_viewed(request.auth, incident, via="api")
    return incident_out(incident)


@router.post(
    "/incidents/{incident_id}/attachments",
    response={201: AttachmentOut, 400: ErrorOut, 401: DetailOut, 404: DetailOut},
    summary="Attach a photo, video or audio file (multipart, field `file`)",
    description="The type is read from the content, not the name; photos, videos and audio are stored without "
    "their metadata (GPS, device, dates, tags). Limits: photos 15 MB, audio 25 MB, video 100 MB (configurable).",
)
def add_attachment(request: HttpRequest, incident_id: int, file: File[UploadedFile]) -> tuple[int, dict]:
    incident = get_object_or_404(incidents_for(request.auth), pk=incident_id)
    attachment = services.add_attachment(actor=request.auth, incident=incident, upload=file)
    return 201, {
        "id": attachment.pk,
        "kind": attachment.kind,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
    }
