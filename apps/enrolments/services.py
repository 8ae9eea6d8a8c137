"""The one write path for member imports and enrolments: upload, check, invite, cancel; the
person's confirm or decline through their link; the reminders and the dropping of those who do
not answer (the background job ``remind_and_drop``).

Nobody becomes a member silently: an imported person is only invited, and becomes a member when
they confirm their details, state they are 18 or older and accept the current house rules.
"""

from __future__ import annotations

import functools
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import PUBLIC, SYSTEM, account_of
from apps.groups.models import Group
from apps.groups.permissions import require_group
from apps.members.alerts import ALERTS_CONSENT, ALERTS_CONSENT_VERSION
from apps.members.confirmation import ask_to_confirm
from apps.members.models import Member
from apps.messaging.models import OutgoingMessage
from apps.messaging.services import Contact, Content, queue_for_contact

from . import readers
from .checks import check_rows, guess_mapping, validate_mapping
from .models import FIELDS, ColumnMapping, Enrolment, EnrolmentImport

log = logging.getLogger(__name__)

UPLOAD_DIR = "enrolment-uploads"
# How many good people the preview shows by name.
PREVIEW_SAMPLE = 50
# A WhatsApp template (name, group, link): used only for a person without e-mail.
INVITE_TEMPLATE = "buurtwacht_enrolment_invite"


def _site(path: str) -> str:
    return settings.BUURTWACHT_SITE_URL + path


@functools.cache
def _link_path() -> tuple[str, str]:
    """The link's path around its key, reversed once (an import writes thousands)."""
    return tuple(reverse("public:enrolment", args=["KEY"]).split("KEY"))


def confirm_url(key: str) -> str:
    before, after = _link_path()
    return _site(before + key + after)


def _upload_dir() -> Path:
    path = Path(settings.VAR_DIR) / UPLOAD_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def _remove_file(imp: EnrolmentImport) -> None:
    if imp.path:
        Path(imp.path).unlink(missing_ok=True)
        imp.path = ""


# --- the admin's side ------------------------------------------------------------------------------


def start_import(group: Group, upload, *, actor) -> EnrolmentImport:
    """Keep the uploaded file, read its header row and count its rows. Refused, with nothing
    kept, when it is too large (before any reading), of another kind, empty or too long."""
    require_group(actor, group)
    limit = settings.BUURTWACHT_ENROLMENT_MAX_FILE
    if upload is None or not upload.size:
        raise ValidationError({"file": _("The file is empty.")}, code="empty")
    if upload.size > limit:
        raise ValidationError(
            {
                "file": _("The file is larger than %(max)d MB. Split it, or leave out columns that are not needed.")
                % {"max": limit // (1024 * 1024)}
            },
            code="too_large",
        )
    name = Path(upload.name or "").name[:200]
    upload.seek(0)
    kind = readers.kind_of(name, upload.read(4096))
    upload.seek(0)
    target = _upload_dir() / f"{uuid.uuid4().hex}.{kind}"
    with target.open("wb") as f:
        for chunk in upload.chunks():
            f.write(chunk)
    try:
        table = readers.open_table(target, kind)
        rows = readers.count_rows(table, settings.BUURTWACHT_ENROLMENT_MAX_ROWS)
        if rows > settings.BUURTWACHT_ENROLMENT_MAX_ROWS:
            raise ValidationError(
                _("The file has more than %(max)d rows. Split it into smaller files and import them one by one.")
                % {"max": settings.BUURTWACHT_ENROLMENT_MAX_ROWS},
                code="too_many_rows",
            )
        if rows == 0:
            raise ValidationError(_("The file has a header row but no people under it."), code="empty")
    except ValidationError as exc:
        target.unlink(missing_ok=True)
        raise ValidationError({"file": exc.messages}, code=exc.code) from exc
    except Exception:
        target.unlink(missing_ok=True)
        raise
    remembered = ColumnMapping.objects.filter(group=group).values_list("columns", flat=True).first()
    with transaction.atomic():
        imp = EnrolmentImport.objects.create(
            group=group,
            original_name=name,
            kind=kind,
            path=str(target),
            headers=table.headers,
            row_count=rows,
            mapping=guess_mapping(table.headers, remembered),
            created_by=account_of(actor),
        )
        record(
            actor,
            AuditEvent.Action.ENROLMENT_IMPORT_UPLOADED,
            imp,
            group_id=group.pk,
            municipality_id=group.municipality_id,
            rows=rows,
            kind=kind,
        )
    return imp


def _require_open_import(imp: EnrolmentImport, *, actor) -> EnrolmentImport:
    require_group(actor, imp.group)
    if imp.status not in (EnrolmentImport.Status.UPLOADED, EnrolmentImport.Status.CHECKED) or not imp.path:
        raise ValidationError(_("This import is finished; upload the file again to start a new one."), code="closed")
    if not Path(imp.path).is_file():
        raise ValidationError(_("The uploaded file is no longer there; upload it again."), code="gone")
    return imp


def _rows(imp: EnrolmentImport):
    return readers.data_rows(readers.reopen(Path(imp.path), imp.kind))


def check_import(imp: EnrolmentImport, mapping: dict, *, actor) -> EnrolmentImport:
    """Check every row with the admin's mapping, remember the mapping for the group's next file,
    and keep the outcome for the preview. Nothing is sent."""
    imp = _require_open_import(imp, actor=actor)
    mapping = {k: v for k, v in mapping.items() if k in FIELDS and v is not None}
    validate_mapping(mapping, len(imp.headers))
    checked = check_rows(_rows(imp), mapping, imp.group, sample=PREVIEW_SAMPLE)
    with transaction.atomic():
        imp.mapping = mapping
        imp.status = EnrolmentImport.Status.CHECKED
        imp.summary = {
            "good": checked.good_count,
            "bad": checked.bad,
            "sample": [
                {
                    "line": p.line,
                    "name": p.full_name,
                    "address": f"{p.street} {p.house_number}, {p.postcode} {p.town}",
                    "by_email": bool(p.email),
                }
                for p in checked.good
            ],
        }
        imp.save(update_fields=["mapping", "status", "summary"])
        ColumnMapping.objects.update_or_create(
            group=imp.group,
            defaults={"columns": {k: imp.headers[v] for k, v in mapping.items()}, "updated_at": timezone.now()},
        )
        record(
            actor,
            AuditEvent.Action.ENROLMENT_IMPORT_CHECKED,
            imp,
            group_id=imp.group_id,
            municipality_id=imp.group.municipality_id,
            good=checked.good_count,
            bad=checked.bad_count,
        )
    return imp


def cancel_import(imp: EnrolmentImport, *, actor) -> EnrolmentImport:
    require_group(actor, imp.group)
    if imp.status not in (EnrolmentImport.Status.UPLOADED, EnrolmentImport.Status.CHECKED):
        raise ValidationError(_("This import is finished; it cannot be cancelled."), code="closed")
    _cancel(imp, actor=actor)
    return imp


def _cancel(imp: EnrolmentImport, *, actor, **reason) -> None:
    """The one way an import ends unfinished: its file removed, its preview forgotten, audited."""
    with transaction.atomic():
        _remove_file(imp)
        imp.status = EnrolmentImport.Status.CANCELLED
        imp.summary = {}
        imp.save(update_fields=["path", "status", "summary"])
        record(
            actor,
            AuditEvent.Action.ENROLMENT_IMPORT_CANCELLED,
            imp,
            group_id=imp.group_id,
            municipality_id=imp.group.municipality_id,
            **reason,
        )


def invite(imp: EnrolmentImport, *, actor) -> int:
    """Check the file again (someone may have joined since the preview) and invite every good
    row: an enrolment each and a message with their personal link. The file is removed.
    Returns how many were invited."""
    imp = _require_open_import(imp, actor=actor)
    if imp.status != EnrolmentImport.Status.CHECKED:
        raise ValidationError(_("Map the columns and look at the preview first."), code="unchecked")
    group = imp.group
    language = group.municipality.language or settings.LANGUAGE_CODE
    now = timezone.now()
    invited_ids: list[int] = []

    def write(people: list) -> None:
        """One batch of good people: their enrolments and their messages."""
        keys = {}
        enrolments = []
        for person in people:
            key, key_hash = Enrolment.new_key()
            keys[key_hash] = key
            enrolments.append(
                Enrolment(
                    source=imp,
                    group=group,
                    line=person.line,
                    full_name=person.full_name,
                    street=person.street,
                    house_number=person.house_number,
                    postcode=person.postcode,
                    town=person.town,
                    phone=person.phone,
                    email=person.email,
                    language=language,
                    key_hash=key_hash,
                    invited_at=now,
                )
            )
        created = Enrolment.objects.bulk_create(enrolments)
        if any(e.pk is None for e in created):  # a database without RETURNING: read them back
            found = dict(Enrolment.objects.filter(key_hash__in=list(keys)).values_list("key_hash", "pk"))
            for enrolment in created:
                enrolment.pk = found[enrolment.key_hash]
        for enrolment in created:
            _send_invitation(enrolment, keys[enrolment.key_hash], reminder=False)
            invited_ids.append(enrolment.pk)

    # One caller only: the import moves to "inviting" before anything is written.
    if not EnrolmentImport.objects.filter(pk=imp.pk, status=EnrolmentImport.Status.CHECKED).update(
        status=EnrolmentImport.Status.INVITING
    ):
        raise ValidationError(_("These people were already invited."), code="closed")
    try:
        # Read, checked and written batch by batch, each batch in its own transaction with its
        # messages: memory does not grow with the file (nor with the messages waiting for a
        # commit). Should it stop halfway, the import is "checked" again, and a new invite
        # finds those already invited and leaves them out.
        checked = check_rows(_rows(imp), imp.mapping, group, on_good=transaction.atomic(write))
    except BaseException:
        EnrolmentImport.objects.filter(pk=imp.pk).update(status=EnrolmentImport.Status.CHECKED)
        raise
    with transaction.atomic():
        _remove_file(imp)
        imp.status = EnrolmentImport.Status.INVITED
        imp.invited_at = now
        imp.summary = {"good": len(invited_ids), "bad": checked.bad}
        imp.save(update_fields=["path", "status", "invited_at", "summary"])
        record(
            actor,
            AuditEvent.Action.ENROLMENT_INVITED,
            imp,
            group_id=group.pk,
            municipality_id=group.municipality_id,
            count=len(invited_ids),
            enrolment_ids=invited_ids,
        )
    return len(invited_ids)


# --- messages ----------------------------------------------------------------------------------------


def _send(enrolment: Enrolment, event: str, subject: str, body: str, sms: str, *, fresh: bool = False, **params):
    """E-mail when the person has an address, else SMS (WhatsApp where configured), in their
    language. ``subject``, ``body`` and ``sms`` are msgids, translated here. ``fresh``: the
    enrolment was made in this transaction, so no message can have its key yet. Green: a message
    queued at night waits for the morning."""
    group = enrolment.group
    with translation.override(enrolment.language):
        values = {"name": enrolment.full_name, "group": group.name, **params}
        # With an e-mail address, only e-mail: the phone is for those who have none.
        contact = Contact(phone="" if enrolment.email else enrolment.phone, email=enrolment.email)
        return queue_for_contact(
            contact,
            Content(
                subject=_(subject) % values,
                body=_(body) % values,
                sms=_(sms) % values,
                template=INVITE_TEMPLATE if "url" in params else "",
                template_params=(enrolment.full_name, group.name, params.get("url", "-")),
                language=enrolment.language,
            ),
            urgency=OutgoingMessage.Urgency.GREEN,
            topic=f"enrolment.{event}",
            dedupe_key=f"enrolment:{enrolment.pk}:{event}",
            group_id=group.pk,
            municipality_id=group.municipality_id,
            fresh=fresh,
        )


def _send_invitation(enrolment: Enrolment, key: str, *, reminder: bool) -> None:
    days = settings.BUURTWACHT_ENROLMENT_EXPIRY_DAYS
    if reminder:
        subject = gettext_noop("Reminder: confirm your membership of %(group)s")
        body = gettext_noop(
            "Dear %(name)s,\n\nA week ago the admin of the neighbourhood-watch group %(group)s invited you to "
            "confirm your details and the house rules. You have not answered yet.\n\n"
            "Confirm or decline with this personal link:\n%(url)s\n\n"
            "Without an answer within %(days)d days of the invitation, your details are erased and you are not a "
            "member."
        )
        sms = gettext_noop("Reminder: confirm your membership of %(group)s: %(url)s")
    else:
        subject = gettext_noop("Confirm your membership of %(group)s")
        body = gettext_noop(
            "Dear %(name)s,\n\nThe admin of the neighbourhood-watch group %(group)s is moving the group's member "
            "list to Buurtwacht, the municipality's system for neighbourhood watch. Your name, address and phone "
            "number were on that list.\n\n"
            "You only stay on it if you confirm your details and accept the house rules, with this personal "
            "link:\n%(url)s\n\n"
            "You can also decline there: your details are then erased. Without an answer within %(days)d days, "
            "they are erased too."
        )
        sms = gettext_noop("%(group)s: confirm your membership or decline within %(days)d days: %(url)s")
    _send(
        enrolment,
        "reminder" if reminder else "invite",
        subject,
        body,
        sms,
        fresh=not reminder,
        url=confirm_url(key),
        days=days,
    )


# --- the person's side -----------------------------------------------------------------------------


def by_key(key: str) -> Enrolment | None:
    """The open enrolment of a link; ``None`` for a link that is wrong, used or too old."""
    if not key or len(key) > 100:
        return None
    key_hash = Enrolment.hash_key(key)
    return (
        Enrolment.objects.select_related("group", "group__municipality")
        .filter(status__in=Enrolment.OPEN_STATUSES)
        .filter(Q(key_hash=key_hash) | Q(reminder_key_hash=key_hash))
        .first()
    )


def _erase(enrolment: Enrolment, status: str, now) -> None:
    enrolment.status = status
    enrolment.ended_at = now
    for name in ("full_name", "street", "house_number", "postcode", "town", "phone", "email"):
        setattr(enrolment, name, "")
    enrolment.key_hash = None
    enrolment.reminder_key_hash = None


_ERASED_FIELDS = [
    "status",
    "ended_at",
    "full_name",
    "street",
    "house_number",
    "postcode",
    "town",
    "phone",
    "email",
    "key_hash",
    "reminder_key_hash",
]


def _locked(enrolment: Enrolment) -> Enrolment:
    locked = Enrolment.objects.select_for_update(of=("self",)).select_related("group").get(pk=enrolment.pk)
    if not locked.is_open:
        raise ValidationError(_("This link was already used. Nothing was changed."), code="used")
    return locked


@dataclass(frozen=True)
class Answer:
    adult: bool
    house_rules_version: int
    alerts_opt_in: bool = False


@transaction.atomic
def confirm(enrolment: Enrolment, answer: Answer) -> Member:
    """The person confirms: they state they are 18 or older and accept the current house rules;
    they become a member, with the audit of a joining member, and are welcomed. Their link stops
    working. Raises ``ValidationError`` (nothing changes) when something is missing or the group
    cannot take them."""
    enrolment = _locked(enrolment)
    group = Group.objects.select_for_update(of=("self",)).select_related("municipality").get(pk=enrolment.group_id)
    rules = group.municipality.current_house_rules
    errors = {}
    if not answer.adult:
        errors["adult"] = _("You must be %(age)d or older to join a neighbourhood-watch group.") % {
            "age": settings.BUURTWACHT_MINIMUM_AGE
        }
    if rules is None or answer.house_rules_version != rules.version:
        errors["accept_house_rules"] = _("The house rules were changed while you read them. Read them again.")
    if errors:
        raise ValidationError(errors, code="incomplete")
    if group.status == Group.Status.CLOSED:
        raise ValidationError(_("This group is closed. Ask the admin which group you can join."), code="closed")
    if group.members.current().count() >= group.capacity:
        raise ValidationError(
            _("The group is full (%(capacity)d members). Ask the admin; your link keeps working until it expires.")
            % {"capacity": group.capacity},
            code="full",
        )
    if group.members.current().filter(phone=enrolment.phone).exists():
        raise ValidationError(_("This phone number is already a member of this group."), code="duplicate")
    now = timezone.now()
    member = Member.objects.create(
        group=group,
        full_name=enrolment.full_name,
        street=enrolment.street,
        house_number=enrolment.house_number,
        postcode=enrolment.postcode,
        town=enrolment.town,
        age_checked_on=timezone.localdate(),
        phone=enrolment.phone,
        email=enrolment.email,
        house_rules_version=rules,
        house_rules_accepted_at=now,
        alerts_opt_in_at=now if answer.alerts_opt_in else None,
        alerts_consent_text=str(ALERTS_CONSENT) if answer.alerts_opt_in else "",
        joined_at=now,
    )
    record(
        PUBLIC,  # the person's own answer; they have no account
        AuditEvent.Action.ENROLMENT_CONFIRMED,
        enrolment,
        group_id=group.pk,
        municipality_id=group.municipality_id,
        member_id=member.pk,
        import_id=enrolment.source_id,
        house_rules_version=rules.version,
    )
    if member.alerts_opt_in_at is not None:
        record(
            PUBLIC,
            AuditEvent.Action.MEMBER_ALERTS_OPTED_IN,
            member,
            municipality_id=group.municipality_id,
            via="enrolment",
            enrolment_id=enrolment.pk,
            consented_at=now.isoformat(),
            wording=ALERTS_CONSENT_VERSION,
        )
        # As after an application: alerts reach the phone only once the person confirmed it.
        ask_to_confirm(member, actor=PUBLIC)
    if group.invite_link:
        body = gettext_noop(
            "Dear %(name)s,\n\nWelcome to %(group)s. Join the WhatsApp group with this link (if you are not in it "
            "yet):\n%(invite)s\n\nRemember: when you see something suspicious, call the police first (%(police)s, "
            "emergency %(emergency)s), then warn the group."
        )
    else:
        body = gettext_noop(
            "Dear %(name)s,\n\nWelcome to %(group)s. You are on the group's member list now.\n\n"
            "Remember: when you see something suspicious, call the police first (%(police)s, "
            "emergency %(emergency)s), then warn the group."
        )
    _send(
        enrolment,
        "welcome",
        gettext_noop("Welcome to %(group)s"),
        body,
        gettext_noop("Welcome to %(group)s. Police first: %(police)s, emergency %(emergency)s."),
        invite=group.invite_link,
        police=group.municipality.police_non_urgent_number,
        emergency=group.municipality.police_emergency_number,
    )
    _erase(enrolment, Enrolment.Status.CONFIRMED, now)
    enrolment.member = member
    enrolment.save(update_fields=[*_ERASED_FIELDS, "member"])
    return member


@transaction.atomic
def decline(enrolment: Enrolment) -> Enrolment:
    """The person declines: their data is erased at once; the link stops working."""
    enrolment = _locked(enrolment)
    _erase(enrolment, Enrolment.Status.DECLINED, timezone.now())
    enrolment.save(update_fields=_ERASED_FIELDS)
    record(
        PUBLIC,
        AuditEvent.Action.ENROLMENT_DECLINED,
        enrolment,
        group_id=enrolment.group_id,
        municipality_id=enrolment.group.municipality_id,
        import_id=enrolment.source_id,
    )
    return enrolment


# --- the background job -----------------------------------------------------------------------------


def remind_and_drop(now=None) -> dict:
    """Remind once those who have not answered after ``BUURTWACHT_ENROLMENT_REMINDER_DAYS``; drop
    and erase those who have not answered after ``BUURTWACHT_ENROLMENT_EXPIRY_DAYS``; remove the
    files of imports left unfinished for a day. Each person in a transaction of their own."""
    now = now or timezone.now()
    expiry = now - timedelta(days=settings.BUURTWACHT_ENROLMENT_EXPIRY_DAYS)
    remind = now - timedelta(days=settings.BUURTWACHT_ENROLMENT_REMINDER_DAYS)
    dropped = reminded = 0
    for pk in list(
        Enrolment.objects.filter(status__in=Enrolment.OPEN_STATUSES, invited_at__lt=expiry).values_list("pk", flat=True)
    ):
        with transaction.atomic():
            enrolment = Enrolment.objects.select_for_update(of=("self",)).select_related("group").get(pk=pk)
            if not enrolment.is_open:
                continue
            _erase(enrolment, Enrolment.Status.DROPPED, now)
            enrolment.save(update_fields=_ERASED_FIELDS)
            record(
                SYSTEM,
                AuditEvent.Action.ENROLMENT_DROPPED,
                enrolment,
                group_id=enrolment.group_id,
                municipality_id=enrolment.group.municipality_id,
                import_id=enrolment.source_id,
            )
            dropped += 1
    for pk in list(
        Enrolment.objects.filter(
            status=Enrolment.Status.INVITED, invited_at__lt=remind, invited_at__gte=expiry
        ).values_list("pk", flat=True)
    ):
        with transaction.atomic():
            enrolment = (
                Enrolment.objects.select_for_update(of=("self",)).select_related("group__municipality").get(pk=pk)
            )
            if enrolment.status != Enrolment.Status.INVITED:
                continue
            key, key_hash = Enrolment.new_key()
            enrolment.status = Enrolment.Status.REMINDED
            enrolment.reminded_at = now
            enrolment.reminder_key_hash = key_hash
            enrolment.save(update_fields=["status", "reminded_at", "reminder_key_hash"])
            _send_invitation(enrolment, key, reminder=True)
            record(
                SYSTEM,
                AuditEvent.Action.ENROLMENT_REMINDED,
                enrolment,
                group_id=enrolment.group_id,
                municipality_id=enrolment.group.municipality_id,
            )
            reminded += 1
    stale = now - timedelta(hours=24)
    left = EnrolmentImport.objects.filter(
        status__in=(EnrolmentImport.Status.UPLOADED, EnrolmentImport.Status.CHECKED), created_at__lt=stale
    )
    cancelled = 0
    for imp in left:
        _cancel(imp, actor=SYSTEM, reason="not finished within a day")
        cancelled += 1
    return {"dropped": dropped, "reminded": reminded, "cancelled": cancelled}
