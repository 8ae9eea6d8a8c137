"""The one write path of incidents: report, give feedback, close.

A report's input is checked by ``forms.IncidentForm``, which the desk's page and the API both
bind, so they accept and refuse the same things; every refusal is a ValidationError per field
and writes nothing.
"""

from __future__ import annotations

import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import account_of, is_person, is_system, require_actor
from apps.messaging.services import queue_email
from apps.municipalities.models import Municipality
from apps.municipalities.permissions import require_municipality

from .attachments import check
from .forms import LINE_FIELDS, IncidentForm
from .models import Incident, IncidentAttachment, ProfilingTerm
from .permissions import incidents_for, require_police, require_word_list
from .profiling import clean_term

REPORT_FIELDS = (*LINE_FIELDS, "text", "vehicle_plate", "vehicle_plate_country")


# The distance a municipality may allow around its areas for incidents (apps/incidents/reach.py).
MAX_TOLERANCE_M = 5000


def save_incident(*, actor, form: IncidentForm) -> Incident:
    """Record the report ``form`` holds: bound to what was typed or sent, and built for ``actor``
    (its choices of group and municipality are the actor's). Refused input raises a
    ValidationError per field and writes nothing.

    The place must be one the actor looks after (``reach.place_refusal``, ADR 0027): a group
    admin's own groups' areas, a coordinator's municipality, the municipalities of a police
    zone, or at most the municipality's ``incident_tolerance_m`` outside their areas."""
    require_actor(actor)
    if form.user is not actor:
        raise PermissionDenied
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    data = form.cleaned_data
    words = list(data["profiling_words"])
    with transaction.atomic():
        incident = Incident.objects.create(
            municipality=data["municipality"],
            area=data["area"],
            group=data["group"],
            category=data["category"],
            occurred_at=data["occurred_at"],
            lat=data["lat"],
            lon=data["lon"],
            police_called=True,
            reported_by=account_of(actor),
            # The form refuses these words unless the sender confirmed them.
            profiling_words=words,
            profiling_confirmed_at=timezone.now() if words else None,
            profiling_confirmed_by=account_of(actor) if words else None,
            **{name: data[name] for name in REPORT_FIELDS},
        )
        extra = {"profiling_words_kept": words} if words else {}
        record(actor, AuditEvent.Action.INCIDENT_REPORTED, incident, category=incident.category, **extra)
    return incident


def create_incident(*, actor, data) -> Incident:
    """Record an incident from ``data``, read as the desk's form reads it: ``group`` and
    ``municipality`` are ids, ``occurred_at`` a datetime or its text, ``lat``/``lon`` numbers or
    ``street``/``house_number``/``postcode`` texts, ``profiling_confirmed`` a boolean."""
    return save_incident(actor=actor, form=IncidentForm(data, user=actor))


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


def add_profiling_term(*, actor, municipality, term: str) -> ProfilingTerm:
    """A word the municipality's reports are checked for, besides the built-in list."""
    require_word_list(actor, municipality)
    cleaned = clean_term(term or "")
    if not cleaned:
        raise ValidationError({"term": [_("Enter a word.")]})
    if len(cleaned) > ProfilingTerm._meta.get_field("term").max_length:
        raise ValidationError({"term": [_("Keep the word under 60 characters.")]})
    if len(cleaned.rstrip("*")) < 3:
        raise ValidationError(
            {"term": [_("Enter at least three letters: a shorter word is found inside too many others.")]}
        )
    with transaction.atomic():
        if ProfilingTerm.objects.filter(municipality=municipality, term=cleaned).exists():
            raise ValidationError({"term": [_("This word is on the list already.")]})
        word = ProfilingTerm.objects.create(municipality=municipality, term=cleaned)
        record(actor, AuditEvent.Action.PROFILING_WORD_ADDED, word, municipality_id=municipality.pk, term=cleaned)
    return word


def remove_profiling_term(*, actor, word: ProfilingTerm) -> None:
    require_word_list(actor, word.municipality)
    with transaction.atomic():
        record(
            actor,
            AuditEvent.Action.PROFILING_WORD_REMOVED,
            word,
            municipality_id=word.municipality_id,
            term=word.term,
        )
        word.delete()


@transaction.atomic
def set_incident_tolerance(municipality: Municipality, *, metres, actor) -> bool:
    """How far outside their areas (in metres, 0 to ``MAX_TOLERANCE_M``) the municipality's
    admins, coordinators and police may place an incident. Only its coordinators (and operators)
    may change it. True when this call changed it (and then recorded in the audit trail, like
    the municipality's other settings); a refused value changes nothing."""
    require_municipality(actor, municipality)
    if not isinstance(metres, int) or isinstance(metres, bool) or not 0 <= metres <= MAX_TOLERANCE_M:
        raise ValidationError(
            {"incident_tolerance_m": [_("Give a distance between 0 and %(max)s metres.") % {"max": MAX_TOLERANCE_M}]}
        )
    locked = Municipality.objects.select_for_update().get(pk=municipality.pk)
    municipality.incident_tolerance_m = metres
    if locked.incident_tolerance_m == metres:
        return False
    previous = locked.incident_tolerance_m
    locked.incident_tolerance_m = metres
    locked.save(update_fields=["incident_tolerance_m"])
    record(
        actor,
        AuditEvent.Action.MUNICIPALITY_SETTINGS_CHANGED,
        locked,
        municipality_id=locked.pk,
        incident_tolerance_m=metres,
        previous_incident_tolerance_m=previous,
    )
    return True
