"""Residents' rights without an account (GDPR access, portability, erasure), by a secret link
sent to their e-mail address; and the removals from WhatsApp groups an admin must do by hand.

- ``request_link``: a resident types their e-mail address; if anything is held for it
  (applications, memberships, requests to start a group), a link goes to that address in the
  person's language. The page answers the same either way (no account enumeration).
- ``holdings`` / ``export``: everything held for the address, and its download (audited).
- ``leave_group``: the member leaves one group, as a member leaving does (``members.services``),
  and the group's admins get the task to remove the number from the WhatsApp group.
- ``erase``: applications and requests deleted, memberships ended and their personal fields
  emptied, messages to them without their text; the WhatsApp removals go to the admins.
- ``confirm_removal``: an admin of the group removed the number; then it is erased from the task.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from apps.applications.models import Application
from apps.applications.services import fill_free_places
from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import PUBLIC, account_of, is_person, require_actor
from apps.enrolments.models import Enrolment
from apps.enrolments.services import decline as decline_enrolment
from apps.groups.models import Group, GroupRegistration, GroupRequest
from apps.members.confirmation import CODE_TOPIC
from apps.members.models import Member, PhoneConfirmation
from apps.members.services import leave
from apps.messaging.models import OutgoingMessage
from apps.messaging.services import queue_email
from apps.municipalities.models import Municipality

from .models import AccessLink, WhatsAppRemoval

LINK_VALID = dt.timedelta(hours=24)
TOPIC = "rights.link"
# What the text of a message to a person who had their data erased becomes (stored, not shown
# to residents, so the same in every language).
ERASED = "[erased at the person's request]"
VIA = "rights_link"


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def normalise(email: str) -> str:
    return (email or "").strip().lower()


def link_url(key: str) -> str:
    return settings.BUURTWACHT_SITE_URL + reverse("public:rights_data", args=[key])


OPEN_ENROLMENT = (Enrolment.Status.INVITED, Enrolment.Status.REMINDED)


# --- what is held ------------------------------------------------------------------------------


@dataclass
class Holdings:
    email: str
    applications: list = field(default_factory=list)
    members: list = field(default_factory=list)
    group_requests: list = field(default_factory=list)
    # Invitations to join from an admin's member list, not yet answered (ADR 0031).
    enrolments: list = field(default_factory=list)
    # Existing WhatsApp groups this person registered (name, e-mail, phone).
    group_registrations: list = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.applications or self.members or self.group_requests or self.enrolments or self.group_registrations
        )

    @property
    def language(self) -> str:
        """The language the person last applied in, if any."""
        for application in self.applications:
            if application.language:
                return application.language
        return ""

    def messages(self):
        """Messages to this person only: to their address, to their memberships, and the codes
        sent to their phone numbers."""
        member_ids = [m.pk for m in self.members]
        phones = {m.phone for m in self.members if m.phone}
        query = Q(recipient__iexact=self.email)
        if member_ids:
            query |= Q(member_id__in=member_ids)
        if phones:
            query |= Q(topic=CODE_TOPIC, recipient__in=phones)
        return OutgoingMessage.objects.filter(query).order_by("created_at", "pk")


def holdings(email: str) -> Holdings:
    email = normalise(email)
    if not email:
        return Holdings(email="")
    return Holdings(
        email=email,
        applications=list(
            Application.objects.filter(email__iexact=email)
            .select_related("group", "group__municipality", "house_rules_version")
            .order_by("-created_at")
        ),
        members=list(
            Member.objects.filter(email__iexact=email, erased_at__isnull=True)
            .select_related("group", "group__municipality", "house_rules_version")
            .order_by("-joined_at")
        ),
        group_requests=list(
            GroupRequest.objects.filter(email__iexact=email).select_related("municipality").order_by("-created_at")
        ),
        enrolments=list(
            Enrolment.objects.filter(email__iexact=email, status__in=OPEN_ENROLMENT)
            .select_related("group", "group__municipality")
            .order_by("-invited_at")
        ),
        group_registrations=list(
            GroupRegistration.objects.filter(email__iexact=email).select_related("municipality").order_by("-created_at")
        ),
    )


# --- the link ----------------------------------------------------------------------------------


def request_link(email: str, *, language: str) -> bool:
    """Send the link to ``email`` when anything is held for it; True when one was sent. The caller
    answers the same either way."""
    held = holdings(email)
    if held.empty:
        return False
    language = held.language or language or settings.LANGUAGE_CODE
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        link = AccessLink.objects.create(
            email=held.email, key_hash=_hash(key), language=language, expires_at=now + LINK_VALID
        )
        with translation.override(language):
            values = {"url": link_url(key), "hours": int(LINK_VALID.total_seconds() // 3600)}
            queue_email(
                to=held.email,
                subject=_("Your data at Buurtwacht"),
                body=_(
                    "Hello,\n\nSomeone (we hope you) asked to see what Buurtwacht holds about this e-mail "
                    "address. This link shows it, lets you download it, leave a group or have everything "
                    "erased (valid for %(hours)d hours):\n%(url)s\n\n"
                    "If you did not ask for this, ignore this e-mail: nothing happens."
                )
                % values,
                topic=TOPIC,
                dedupe_key=f"rights:link:{link.pk}",
                language=language,
            )
        record(
            PUBLIC,
            AuditEvent.Action.RIGHTS_LINK_SENT,
            link,
            applications=len(held.applications),
            members=len(held.members),
            group_requests=len(held.group_requests),
        )
    return True


class LinkState:
    VALID = "valid"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"


def open_link(key: str) -> tuple[AccessLink | None, str]:
    """The link a key opens and its state; only a ``valid`` one shows anything."""
    link = AccessLink.objects.filter(key_hash=_hash(key or "")).first()
    if link is None:
        return None, LinkState.UNKNOWN
    if link.used_at is not None:
        return link, LinkState.USED
    if link.expires_at <= timezone.now():
        return link, LinkState.EXPIRED
    return link, LinkState.VALID


def _require_valid(link: AccessLink) -> AccessLink:
    locked = AccessLink.objects.select_for_update().get(pk=link.pk)
    if locked.used_at is not None:
        raise ValidationError(_("Everything was erased already. Nothing was changed."), code="used")
    if locked.expires_at <= timezone.now():
        raise ValidationError(_("This link has expired. Ask for a new one."), code="expired")
    return locked


# --- access and download -----------------------------------------------------------------------


def _dt(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="minutes") if value else None


def _address(x) -> str:
    return f"{x.street} {x.house_number}, {x.postcode} {x.town}".strip(" ,")


def as_data(held: Holdings) -> dict:
    """Everything held for the address, as plain values (what the download holds)."""
    return {
        "email": held.email,
        "made_at": _dt(timezone.now()),
        "applications": [
            {
                "group": a.group.name,
                "municipality": a.group.municipality.name,
                "status": a.status,
                "full_name": a.full_name,
                "address": _address(a),
                "phone": a.phone,
                "email": a.email,
                "works_here": a.works_here,
                "workplace": a.workplace_name,
                "remark": a.remark,
                "language": a.language,
                "age_18_or_older_checked_on": a.age_checked_on.isoformat() if a.age_checked_on else None,
                "house_rules_version": a.house_rules_version.version,
                "house_rules_accepted_at": _dt(a.house_rules_accepted_at),
                "alerts_agreed_at": _dt(a.alerts_opt_in_at),
                "alerts_consent_text": a.alerts_consent_text,
                "offers_to_help": a.offers_to_help,
                "applied_at": _dt(a.created_at),
                "confirmed_at": _dt(a.confirmed_at),
                "decided_at": _dt(a.decided_at),
                "decision_reason": a.decision_reason,
            }
            for a in held.applications
        ],
        "memberships": [
            {
                "id": m.pk,
                "group": m.group.name,
                "municipality": m.group.municipality.name,
                "full_name": m.full_name,
                "address": _address(m),
                "phone": m.phone,
                "phone_confirmed_at": _dt(m.phone_confirmed_at),
                "email": m.email,
                "works_here": m.works_here,
                "workplace": m.workplace_name,
                "age_18_or_older_checked_on": m.age_checked_on.isoformat() if m.age_checked_on else None,
                "house_rules_version": m.house_rules_version.version,
                "house_rules_accepted_at": _dt(m.house_rules_accepted_at),
                "joined_at": _dt(m.joined_at),
                "left_at": _dt(m.left_at),
                "leave_reason": m.leave_reason,
                "alerts_agreed_at": _dt(m.alerts_opt_in_at),
                "alerts_consent_text": m.alerts_consent_text,
                "alerts_stopped_at": _dt(m.alerts_opt_out_at),
            }
            for m in held.members
        ],
        "requests_to_start_a_group": [
            {
                "municipality": r.municipality.name,
                "full_name": r.full_name,
                "email": r.email,
                "phone": r.phone,
                "address": f"{r.street} {r.house_number}, {r.postcode}".strip(" ,"),
                "message": r.message,
                "status": r.status,
                "sent_at": _dt(r.created_at),
            }
            for r in held.group_requests
        ],
        "invitations_to_join": [
            {
                "group": e.group.name,
                "municipality": e.group.municipality.name,
                "full_name": e.full_name,
                "address": _address(e),
                "phone": e.phone,
                "email": e.email,
                "status": e.status,
                "invited_at": _dt(e.invited_at),
                "reminded_at": _dt(e.reminded_at),
            }
            for e in held.enrolments
        ],
        "registered_groups": [
            {
                "municipality": r.municipality.name,
                "whatsapp_group": r.group_name,
                "full_name": r.full_name,
                "email": r.email,
                "phone": r.phone,
                "status": r.status,
                "sent_at": _dt(r.created_at),
                "decided_at": _dt(r.decided_at),
            }
            for r in held.group_registrations
        ],
        "messages": [
            {
                "channel": m.channel,
                "to": m.recipient,
                "subject": m.subject,
                "text": m.body,
                "status": m.status,
                "created_at": _dt(m.created_at),
                "sent_at": _dt(m.sent_at),
            }
            for m in held.messages()
        ],
    }


# --- the download in a form a person reads -----------------------------------------------------
#
# The text holds exactly what the JSON holds, in the page's language: each key has a label (the
# model's verbose name, or a label a resident understands where that is not one) and a way to show
# its value (a choice's label, yes or no, a date formatted for the language in the installation's
# time zone). The JSON keeps its keys and values: it is for machines.


def _when(value: str) -> str:
    """A moment of the JSON (ISO 8601, to the minute) as the language writes it."""
    moment = timezone.localtime(dt.datetime.fromisoformat(value), timezone.get_default_timezone())
    return formats.date_format(moment, "DATETIME_FORMAT", use_l10n=True)


def _day(value: str) -> str:
    return formats.date_format(dt.date.fromisoformat(value), "DATE_FORMAT", use_l10n=True)


def _yes_no(value) -> str:
    return _("yes") if value else _("no")


def _plain(value) -> str:
    return str(value)


def _choice(model, name: str):
    """The label of a choice, as ``get_FOO_display`` shows it; a value not among the choices as it is."""
    labels = dict(model._meta.get_field(name).flatchoices)
    return lambda value: str(labels.get(value, value))


def _verbose(model, name: str):
    return model._meta.get_field(name).verbose_name


def _text_sections() -> list[tuple[str, str, dict]]:
    """Per section of ``as_data``: its key, its title, and per key of an item its label and how
    its value is shown."""
    where = {
        "group": (Group._meta.verbose_name, _plain),
        "municipality": (Municipality._meta.verbose_name, _plain),
    }

    def person(model) -> dict:
        return {
            "full_name": (_verbose(model, "full_name"), _plain),
            "address": (_("Address"), _plain),
            "phone": (_verbose(model, "phone"), _plain),
            "email": (_verbose(model, "email"), _plain),
        }

    def status(model) -> dict:
        return {"status": (_verbose(model, "status"), _choice(model, "status"))}

    def joined(model) -> dict:
        """What an application and a membership both hold."""
        return {
            "works_here": (_verbose(model, "works_here"), _yes_no),
            "workplace": (_verbose(model, "workplace_name"), _plain),
            "age_18_or_older_checked_on": (_verbose(model, "age_checked_on"), _day),
            "house_rules_version": (_("house rules version"), _plain),
            "house_rules_accepted_at": (_("House rules accepted"), _when),
            "alerts_agreed_at": (_verbose(model, "alerts_opt_in_at"), _when),
            "alerts_consent_text": (_verbose(model, "alerts_consent_text"), _plain),
        }

    applications = {
        **where,
        **person(Application),
        **status(Application),
        **joined(Application),
        "remark": (_verbose(Application, "remark"), _plain),
        "language": (_verbose(Application, "language"), _choice(Application, "language")),
        "offers_to_help": (_verbose(Application, "offers_to_help"), _yes_no),
        "applied_at": (_("Applied on"), _when),
        "confirmed_at": (_("E-mail address confirmed on"), _when),
        "decided_at": (_("Decided on"), _when),
        "decision_reason": (_verbose(Application, "decision_reason"), _plain),
    }
    memberships = {
        **where,
        **person(Member),
        **joined(Member),
        "id": (_("Membership number"), _plain),
        "phone_confirmed_at": (_verbose(Member, "phone_confirmed_at"), _when),
        "joined_at": (_("Member since"), _when),
        "left_at": (_("Left on"), _when),
        "leave_reason": (_("Reason"), _choice(Member, "leave_reason")),
        "alerts_stopped_at": (_verbose(Member, "alerts_opt_out_at"), _when),
    }
    group_requests = {
        **where,
        **person(GroupRequest),
        **status(GroupRequest),
        "message": (_verbose(GroupRequest, "message"), _plain),
        "sent_at": (_("Sent on"), _when),
    }
    enrolments = {
        **where,
        **person(Enrolment),
        **status(Enrolment),
        "invited_at": (_("Invited on"), _when),
        "reminded_at": (_("Reminder sent on"), _when),
    }
    registrations = {
        **where,
        **person(GroupRegistration),
        **status(GroupRegistration),
        "whatsapp_group": (_verbose(GroupRegistration, "group_name"), _plain),
        "sent_at": (_("Sent on"), _when),
        "decided_at": (_("Decided on"), _when),
    }
    messages = {
        "channel": (
            pgettext("how a message was sent: by e-mail, SMS or WhatsApp", "Sent by"),
            _choice(OutgoingMessage, "channel"),
        ),
        "to": (_("To"), _plain),
        "subject": (_verbose(OutgoingMessage, "subject"), _plain),
        "text": (_verbose(OutgoingMessage, "body"), _plain),
        **status(OutgoingMessage),
        "created_at": (pgettext("a message", "Created on"), _when),
        "sent_at": (pgettext("a message", "Sent on"), _when),
    }
    return [
        ("applications", _("Applications"), applications),
        ("memberships", _("Memberships"), memberships),
        ("requests_to_start_a_group", _("Requests to start a group"), group_requests),
        ("invitations_to_join", _("Invitations to join a group"), enrolments),
        ("registered_groups", _("Groups you registered"), registrations),
        ("messages", _("Messages sent to you"), messages),
    ]


def as_text(data: dict) -> str:
    """The download in a form a person reads, in the active language: one block per item, a label
    per line. Everything the JSON holds is in it (a key without a label keeps its name)."""
    # Translators: a line of the data download, e.g. "Full name: Els Noord". French puts a space
    # before the colon.
    line = pgettext("data download: a label and its value", "%(label)s: %(value)s")
    # Translators: under any heading of the data download (applications, memberships, messages...)
    # that holds nothing. One wording that fits every heading.
    nothing = pgettext("data download: a section that holds nothing", "Nothing.")
    lines = [_("What Buurtwacht holds about %(email)s") % {"email": data["email"]}, f"({_when(data['made_at'])})", ""]
    for name, title, fields in _text_sections():
        lines += [title, "=" * len(title)]
        if not data[name]:
            lines += [nothing, ""]
        for item in data[name]:
            for key, value in item.items():
                if value in (None, ""):
                    continue
                label, show = fields.get(key, (key.replace("_", " "), _plain))
                text = show(value).replace("\n", "\n    ")
                lines.append(line % {"label": capfirst(label), "value": text})
            lines.append("")
    return "\n".join(lines)


FORMATS = ("json", "txt")


def export(link: AccessLink, *, fmt: str, actor=PUBLIC) -> tuple[str, str]:
    """The download (file name, content) of everything held for the link's address; audited."""
    require_actor(actor)
    if fmt not in FORMATS:
        raise ValidationError(_("Choose JSON or text."), code="format")
    with transaction.atomic():
        _require_valid(link)
        held = holdings(link.email)
        data = as_data(held)
        record(actor, AuditEvent.Action.RIGHTS_DATA_DOWNLOADED, link, format=fmt, members=len(held.members))
    if fmt == "json":
        return "buurtwacht-my-data.json", json.dumps(data, ensure_ascii=False, indent=2)
    return "buurtwacht-my-data.txt", as_text(data)


# --- leaving and erasing -----------------------------------------------------------------------


def _ask_removal(member: Member, *, actor) -> WhatsAppRemoval:
    task = WhatsAppRemoval.objects.create(group=member.group, phone=member.phone)
    record(
        actor,
        AuditEvent.Action.WHATSAPP_REMOVAL_ASKED,
        task,
        group_id=member.group_id,
        municipality_id=member.group.municipality_id,
        member_id=member.pk,
    )
    return task


def leave_group(link: AccessLink, member_id: int, *, actor=PUBLIC) -> Member:
    """The person leaves one of their groups through their link: the member leaves (as a member
    leaving does) and the group's admins are asked to remove the number from the WhatsApp group."""
    with transaction.atomic():
        locked = _require_valid(link)
        member = (
            Member.objects.filter(pk=member_id, email__iexact=locked.email, erased_at__isnull=True)
            .select_related("group", "group__municipality")
            .first()
        )
        if member is None:
            raise ValidationError(_("This membership is not yours."), code="not_yours")
        member = leave(member, actor=actor, via=VIA)
        _ask_removal(member, actor=actor)
    return member


@dataclass
class Erased:
    applications: int = 0
    members: int = 0
    group_requests: int = 0
    enrolments: int = 0
    group_registrations: int = 0
    messages: int = 0
    removals: int = 0


def erase(link: AccessLink, *, actor=PUBLIC) -> Erased:
    """Erase everything held for the link's address, in one transaction. A second call (the same
    form sent twice) raises ``ValidationError`` with code ``used`` and changes nothing."""
    require_actor(actor)
    result = Erased()
    with transaction.atomic():
        locked = _require_valid(link)
        held = holdings(locked.email)
        now = timezone.now()
        per_municipality: dict[int | None, Erased] = defaultdict(Erased)
        member_ids = [m.pk for m in held.members]

        # Messages first: which ones are theirs is known by their address and memberships.
        messages = held.messages().exclude(status=OutgoingMessage.Status.SENDING)
        for message in messages:
            per_municipality[message.municipality_id].messages += 1
        messages.filter(status__in=[OutgoingMessage.Status.QUEUED, OutgoingMessage.Status.FAILED]).update(
            status=OutgoingMessage.Status.CANCELLED, last_error="erased at the person's request", links_removed_at=now
        )
        result.messages = messages.update(body=ERASED, short_body="", template_params=[], recipient="")

        # Memberships: current ones end, and the admins remove the number from WhatsApp.
        for member in held.members:
            counts = per_municipality[member.group.municipality_id]
            counts.members += 1
            if member.left_at is None:
                leave(member, actor=actor, via=VIA)
                _ask_removal(member, actor=actor)
                counts.removals += 1
                result.removals += 1
        PhoneConfirmation.objects.filter(member_id__in=member_ids).delete()
        result.members = Member.objects.filter(pk__in=member_ids).update(
            full_name="",
            street="",
            house_number="",
            postcode="",
            town="",
            phone="",
            email="",
            workplace_name="",
            removal_note="",
            alerts_consent_text="",
            age_checked_on=None,
            phone_confirmed_at=None,
            erased_at=now,
        )

        # Applications and requests are deleted; an open application freed a place.
        freed_groups = {a.group_id for a in held.applications if a.is_open}
        for application in held.applications:
            per_municipality[application.group.municipality_id].applications += 1
        for request in held.group_requests:
            per_municipality[request.municipality_id].group_requests += 1
        result.applications = Application.objects.filter(pk__in=[a.pk for a in held.applications]).delete()[0]
        result.group_requests = GroupRequest.objects.filter(pk__in=[r.pk for r in held.group_requests]).delete()[0]
        # An open invitation to join is declined (which erases it); a registered group stays
        # (it may be on the map), but who registered it is forgotten with the registration.
        for enrolment in held.enrolments:
            per_municipality[enrolment.group.municipality_id].enrolments += 1
            decline_enrolment(enrolment)
        result.enrolments = len(held.enrolments)
        for registration in held.group_registrations:
            per_municipality[registration.municipality_id].group_registrations += 1
        result.group_registrations = GroupRegistration.objects.filter(
            pk__in=[r.pk for r in held.group_registrations]
        ).delete()[0]
        for group_id in freed_groups:
            fill_free_places(group_id)

        # Every link to this address stops working, and forgets the address.
        AccessLink.objects.filter(email__iexact=held.email).update(used_at=now, email="")
        for municipality_id, counts in per_municipality.items():
            record(
                actor,
                AuditEvent.Action.RIGHTS_ERASED,
                locked,
                municipality_id=municipality_id,
                applications=counts.applications,
                members=counts.members,
                group_requests=counts.group_requests,
                enrolments=counts.enrolments,
                group_registrations=counts.group_registrations,
                messages=counts.messages,
                removals=counts.removals,
            )
        if not per_municipality:
            record(actor, AuditEvent.Action.RIGHTS_ERASED, locked)
    return result


# --- the admins' task: remove the number from the WhatsApp group --------------------------------


def removals_for(user, group=None):
    """Open removals of the groups the user is an admin or co-admin of: nobody else sees them
    (not the coordinators, not the police, not an operator without that role)."""
    if not is_person(user):
        return WhatsAppRemoval.objects.none()
    found = WhatsAppRemoval.objects.open().filter(group__admin_roles__user=user).select_related("group").distinct()
    if group is not None:
        found = found.filter(group=group)
    return found


def confirm_removal(task: WhatsAppRemoval, *, actor) -> WhatsAppRemoval:
    """An admin of the group removed the number from the WhatsApp group: the task is done, and
    the number is erased from it. Anyone else is refused; a second confirmation raises."""
    require_actor(actor)
    if not (is_person(actor) and task.group.admin_roles.filter(user=actor).exists()):
        raise PermissionDenied
    with transaction.atomic():
        done = (
            WhatsAppRemoval.objects.open()
            .filter(pk=task.pk)
            .update(done_at=timezone.now(), done_by=account_of(actor), phone="")
        )
        if not done:
            raise ValidationError(_("This removal was confirmed already."), code="done")
        record(
            actor,
            AuditEvent.Action.WHATSAPP_REMOVAL_DONE,
            task,
            group_id=task.group_id,
            municipality_id=task.group.municipality_id,
        )
    task.refresh_from_db()
    return task
