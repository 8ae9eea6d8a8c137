"""A relayed incident through the secret link in the message a group admin or the police
receive, no account needed: what happened, where, the description of the person and vehicle,
the photos and videos (their metadata was stripped on upload), and the button to acknowledge.

Never the reporter's name, never anything of the members of the reporter's group. The link
works while the incident is open and for ``BUURTWACHT_RELAY_LINK_DAYS`` after the relay; after
that the page and the attachments answer 410 and say what to do.
"""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from apps.core.actors import PUBLIC
from apps.incidents.models import Incident, IncidentAttachment
from apps.incidents.viewed import attachment_viewed, incident_viewed
from apps.municipalities.models import Country
from apps.relays import services as relays

from .common import private

PERSON_FIELDS = ("person_sex", "person_height", "person_build", "person_clothing", "person_face")
VEHICLE_FIELDS = ("vehicle_colour", "vehicle_make", "vehicle_type", "vehicle_plate", "vehicle_plate_country")


def _value(incident: Incident, name: str) -> str:
    """A field as the page shows it: the plate's country by its name ("België"), not its code."""
    value = getattr(incident, name)
    return Country(value).label if name == "vehicle_plate_country" and value in Country.values else value


def _described(incident: Incident, names: tuple[str, ...]) -> list[dict]:
    return [
        {"label": Incident._meta.get_field(name).verbose_name, "value": _value(incident, name)}
        for name in names
        if getattr(incident, name)
    ]


def _language(request, recipient):
    """The language the recipient's message was written in, unless they chose one on the site."""
    if recipient.language and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        return translation.override(recipient.language)
    return contextlib.nullcontext()


def _headers(response):
    response = private(response)
    response["Content-Language"] = translation.get_language()
    return response


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def relay_acknowledge(request, key: str):
    """Opening the link shows the incident and a button; only the POST acknowledges, because
    mail scanners open links."""
    recipient = relays.find_by_key(key)
    if recipient is None:
        return _headers(render(request, "relays/acknowledge_gone.html", {"state": "unknown"}, status=404))
    with _language(request, recipient):
        if not relays.link_is_valid(recipient):
            context = {"state": "expired", "days": settings.BUURTWACHT_RELAY_LINK_DAYS}
            return _headers(render(request, "relays/acknowledge_gone.html", context, status=410))
        done = recipient.acknowledged_at is not None
        if request.method == "POST":
            try:
                relays.acknowledge(recipient)
            except ValidationError:  # expired between the two reads: say so, change nothing
                context = {"state": "expired", "days": settings.BUURTWACHT_RELAY_LINK_DAYS}
                return _headers(render(request, "relays/acknowledge_gone.html", context, status=410))
            done = True
        incident = recipient.relay.incident
        incident_viewed(PUBLIC, incident, via="relay_link", recipient_id=recipient.pk, relay_id=recipient.relay_id)
        attachments = [
            {"kind": a.kind, "content_type": a.content_type, "url": reverse("relay_attachment", args=[key, a.pk])}
            for a in incident.attachments.order_by("created_at", "id")
        ]
        context = {
            "recipient": recipient,
            "incident": incident,
            "note": recipient.relay.note,
            "person": _described(incident, PERSON_FIELDS),
            "vehicle": _described(incident, VEHICLE_FIELDS),
            "attachments": attachments,
            "areas": {"type": "FeatureCollection", "features": []},
            "marker": {"lat": incident.lat, "lon": incident.lon} if incident.has_point else None,
            "expires_at": relays.link_expires_at(recipient),
            "done": done,
            "is_police": recipient.kind == recipient.Kind.POLICE,
        }
        return _headers(render(request, "relays/acknowledge.html", context))


@never_cache
@require_GET
def relay_attachment(request, key: str, pk: int):
    """A photo, video or sound of the relayed incident, only with the same valid link."""
    attachment: IncidentAttachment | None = relays.attachment_for_key(key, pk)
    if attachment is None:
        raise Http404
    attachment_viewed(PUBLIC, attachment, via="relay_link", recipient_id=relays.find_by_key(key).pk)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    extension = attachment.file.name.rsplit(".", 1)[-1]
    response["Content-Disposition"] = f'inline; filename="attachment-{attachment.pk}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return private(response)
