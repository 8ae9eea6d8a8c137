"""The one write path of incidents: report, give feedback, close.

The rules live here, so the web form and the API accept and refuse the same things. Every
refusal is a ValidationError per field and writes nothing.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.areas import index
from apps.areas.models import Area
from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import account_of, is_person, is_system, require_actor
from apps.groups.models import Group
from apps.messaging.services import queue_email
from apps.municipalities.models import Municipality

from .attachments import check
from .models import Incident, IncidentAttachment
from .permissions import incidents_for, reporting_groups, reporting_municipality_ids, require_police
from .plates import normalise_plate

TEXT_FIELDS = (
    "address",
    "text",
    "police_reference",
    "person_sex",
    "person_height",
    "person_build",
    "person_clothing",
    "person_face",
    "vehicle_colour",
    "vehicle_make",
    "vehicle_type",
)
# A clock a few minutes off is not a report from the future.
FUTURE_TOLERANCE = timedelta(minutes=10)


def saar_message(municipality: Municipality) -> str:
    return _(
        "Call the police first (SAAR): %(non_urgent)s, or %(emergency)s when there is danger. "
        "Then record the incident here."
    ) % {
        "non_urgent": municipality.police_non_urgent_number or municipality.police_emergency_number,
        "emergency": municipality.police_emergency_number,
    }


def _where(actor, data: dict) -> tuple[Municipality | None, Group | None, dict]:
    errors: dict[str, list[str]] = {}
    group = None
    municipality = None
    if data.get("group_id"):
        group = reporting_groups(actor).select_related("municipality").filter(pk=data["group_id"]).first()
        if group is None:
            errors["group_id"] = [_("Choose one of your groups.")]
    allowed = None if is_system(actor) else reporting_municipality_ids(actor)
    if data.get("municipality_id"):
        municipality = Municipality.objects.filter(pk=data["municipality_id"]).first()
        if municipality is None or (allowed is not None and municipality.pk not in allowed):
            errors["municipality_id"] = [_("Choose one of your municipalities.")]
            municipality = None
    if group is not None:
        if municipality is not None and municipality.pk != group.municipality_id:
            errors["municipality_id"] = [_("The group belongs to another municipality.")]
        municipality = group.municipality
    return municipality, group, errors


def create_incident(*, actor, data: dict) -> Incident:
    """Record an incident. ``data`` holds the model's fields (``occurred_at`` an aware datetime,
    ``lat``/``lon`` floats or None) plus ``group_id`` and/or ``municipality_id``."""
    require_actor(actor)
    municipality, group, errors = _where(actor, data)
    lat, lon = data.get("lat"), data.get("lon")
    area = None
    if (lat is None) != (lon is None):
        errors["lat"] = [_("Give both latitude and longitude, or neither.")]
    elif lat is not None:
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            errors["lat"] = [_("This point is not on the map.")]
        else:
            hits = index.lookup(lon, lat)
            if hits:
                area = Area.objects.select_related("municipality").get(pk=hits[0].area_id)
    if municipality is None and area is not None and "municipality_id" not in errors and "group_id" not in errors:
        allowed = None if is_system(actor) else reporting_municipality_ids(actor)
        if allowed is None or area.municipality_id in allowed:
            municipality = area.municipality
    if municipality is None and not errors:
        errors["municipality_id"] = [_("Choose the municipality or the group the incident belongs to.")]
    clean = {
        f: " ".join(str(data.get(f) or "").split()) if f != "text" else str(data.get(f) or "").strip()
        for f in TEXT_FIELDS
    }
    if data.get("category") not in Incident.Category.values:
        errors["category"] = [_("Select a valid choice. That choice is not one of the available choices.")]
    if not clean["text"]:
        errors["text"] = [_("Describe what you saw.")]
    if lat is None and not clean["address"]:
        errors["address"] = [_("Give the address or put a point on the map.")]
    occurred_at = data.get("occurred_at")
    if not isinstance(occurred_at, datetime):
        errors["occurred_at"] = [_("Enter a valid date/time.")]
    elif timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    if isinstance(occurred_at, datetime) and occurred_at > timezone.now() + FUTURE_TOLERANCE:
        errors["occurred_at"] = [_("This time lies in the future.")]
    if data.get("police_called") is not True:
        target = municipality or (group.municipality if group else None)
        message = saar_message(target) if target else _("Call the police first (SAAR), then record the incident.")
        errors["police_called"] = [message]
    plate = normalise_plate(data.get("vehicle_plate") or "", municipality.country if municipality else "")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        incident = Incident.objects.create(
            municipality=municipality,
            area=area,
            group=group,
            category=data["category"],
            occurred_at=occurred_at,
            lat=lat,
            lon=lon,
            police_called=True,
            vehicle_plate=plate.text,
            vehicle_plate_country=plate.country,
            reported_by=account_of(actor),
            **clean,
        )
        record(actor, AuditEvent.Action.INCIDENT_REPORTED, incident, category=incident.category)
    return incident


def _told(incident: Incident, actor) -> list[tuple[str, str]]:
    """Who hears the police's feedback: the admins of the reporter's group, and the reporter."""
    people: dict[str, str] = {}
    if incident.group_id:
        for user in incident.group.admins.filter(is_active=True).exclude(email=""):
            people[user.email.lower()] = user.display_name
    reporter = incident.reported_by
    if reporter is not None and reporter.is_active and reporter.email:
        people.setdefault(reporter.email.lower(), reporter.display_name)
    if is_person(actor) and actor.email:
        people.pop(actor.email.lower(), None)
    return sorted(people.items())


def give_feedback(*, actor, incident: Incident, feedback: str, close: bool = False) -> Incident:
    """The police's feedback on an incident, optionally closing it; the reporter's admins are told."""
    require_police(actor, incident)
    feedback = (feedback or "").strip()
    if not feedback:
        raise ValidationError({"feedback": [_("Write the feedback for the admins.")]})
    if len(feedback) > 4000:
        raise ValidationError({"feedback": [_("Keep the feedback under 4000 characters.")]})
    with transaction.atomic():
        locked = (
            Incident.objects.select_for_update(of=("self",)).select_related("group", "reported_by").get(pk=incident.pk)
        )
        if locked.status == Incident.Status.CLOSED:
            raise ValidationError({"feedback": [_("This incident is already closed.")]})
        now = timezone.now()
        locked.police_feedback = feedback
        locked.feedback_at = now
        if close:
            locked.status = Incident.Status.CLOSED
            locked.closed_at = now
            locked.closed_by = account_of(actor)
        locked.save()
        record(
            actor,
            AuditEvent.Action.INCIDENT_CLOSED if close else AuditEvent.Action.INCIDENT_FEEDBACK,
            locked,
        )
        subject = (_("Incident closed: %(category)s") if close else _("Police feedback: %(category)s")) % {
            "category": locked.get_category_display()
        }
        body = "\n".join(
            [
                _("The police gave feedback on an incident reported in your group."),
                "",
                *locked.summary_lines(),
                "",
                _("Feedback: %(feedback)s") % {"feedback": feedback},
            ]
        )
        stamp = int(now.timestamp() * 1000)
        for email, _name in _told(locked, actor):
            queue_email(
                to=email,
                subject=subject,
                body=body,
                topic="incident.closed" if close else "incident.feedback",
                dedupe_key=f"incident:{locked.pk}:feedback:{stamp}:{email}"[:120],
                group_id=locked.group_id,
                municipality_id=locked.municipality_id,
            )
    return locked


def add_attachment(*, actor, incident: Incident, upload):
    """Attach a photo, video or audio file (checked and cleaned by ``attachments.check``)."""
    require_actor(actor)
    if not is_system(actor) and not incidents_for(actor).filter(pk=incident.pk).exists():
        raise PermissionDenied
    checked = check(upload)
    with transaction.atomic():
        attachment = IncidentAttachment(
            incident=incident,
            kind=checked.kind.kind,
            content_type=checked.kind.mime,
            size=len(checked.data),
            sha256=checked.sha256,
            uploaded_by=account_of(actor),
        )
        attachment.file.save(f"{secrets.token_hex(16)}.{checked.kind.ext}", ContentFile(checked.data), save=False)
        attachment.save()
        record(actor, AuditEvent.Action.INCIDENT_ATTACHMENT_ADDED, incident, kind=attachment.kind, size=attachment.size)
    return attachment
