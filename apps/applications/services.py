"""The one write path for applications: submit, confirm, approve, reject, withdraw, expire.

Every function runs in one transaction, records an audit event and queues the messages it
causes in that same transaction; delivery happens after commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import PUBLIC, SYSTEM, account_of
from apps.core.ages import age_on
from apps.geocoding.services import locate
from apps.groups.lookup import lookup_point
from apps.groups.models import Group
from apps.groups.permissions import require_group
from apps.members.alerts import ALERTS_CONSENT
from apps.members.models import Member
from apps.members.services import record_consent_on_join
from apps.messaging.services import queue_email

from .models import Application

_CONFIRM_SALT = "buurtwacht.application.confirm"


class WrongArea(ValidationError):
    """The address lies outside the group's area; ``right_group`` is the one that covers it."""

    def __init__(self, message, right_group: Group | None):
        super().__init__({"postcode": message}, code="wrong_area")
        self.right_group = right_group


@dataclass(frozen=True)
class Submitted:
    application: Application
    access_key: str


def _site(path: str) -> str:
    return settings.BUURTWACHT_SITE_URL + path


def status_url(access_key: str) -> str:
    return _site(reverse("public:application_status", args=[access_key]))


def confirmation_token(application: Application) -> str:
    return signing.TimestampSigner(salt=_CONFIRM_SALT).sign(str(application.pk))


def submit(group: Group, data: dict, *, language: str | None = None) -> Submitted:
    """Check and store an application from cleaned form data.

    Raises ``ValidationError`` with per-field messages; nothing is stored then.
    """
    if not group.is_open_for_applications:
        raise ValidationError(_("This group no longer takes new members."), code="closed")
    rules = group.municipality.current_house_rules
    if rules is None:
        raise ValidationError(_("This municipality has not published house rules yet."), code="no_rules")
    if data["house_rules_version"] != rules.version:
        raise ValidationError(
            {"accept_house_rules": _("The house rules were changed while you filled in the form. Read them again.")},
            code="rules_changed",
        )
    address = locate(
        data["postcode"],
        data["house_number"],
        data.get("addition", ""),
        data.get("street", ""),
        municipality=group.municipality,
    )
    if not any(a.pk == group.area_id for a in lookup_point(address.lon, address.lat).areas):
        right = lookup_point(address.lon, address.lat).group
        if right is not None:
            message = _("This address is in the area of group %(group)s, not %(this)s.") % {
                "group": right.name,
                "this": group.name,
            }
        else:
            message = _("No group covers this address yet. You can ask to start one.")
        raise WrongArea(message, right)
    _check_not_duplicate(group, data["phone"])

    now = timezone.now()
    key, key_hash = Application.new_access_key()
    # The consent sentence as the resident read it: the form was shown in the active language.
    alerts = bool(data.get("alerts_opt_in"))
    house_number = data["house_number"] + (data.get("addition") or "")
    try:
        with transaction.atomic():
            application = Application.objects.create(
                group=group,
                full_name=data["full_name"],
                # The register's spelling, so admins see one name per street.
                street=address.street,
                house_number=house_number,
                postcode=data["postcode"],
                town=address.town,
                birth_date=data["birth_date"],
                phone=data["phone"],
                email=data["email"],
                remark=(data.get("remark") or "").strip(),
                language=language or translation.get_language() or settings.LANGUAGE_CODE,
                lat=address.lat,
                lon=address.lon,
                house_rules_version=rules,
                house_rules_accepted_at=now,
                alerts_opt_in_at=now if alerts else None,
                alerts_consent_text=str(ALERTS_CONSENT) if alerts else "",
                access_key_hash=key_hash,
            )
            record(
                PUBLIC,
                AuditEvent.Action.APPLICATION_SUBMITTED,
                application,
                municipality_id=group.municipality_id,
                alerts_opt_in=alerts,
            )
            _queue_to_applicant(
                application,
                "confirm",
                N_("Confirm your application for %(group)s"),
                N_(
                    "Dear %(name)s,\n\nYou applied to join the neighbourhood-watch group %(group)s. "
                    "Confirm your e-mail address with this link (valid for %(hours)d hours):\n%(confirm_url)s\n\n"
                    "Follow your application here:\n%(status_url)s\n\n"
                    "If you did not apply, ignore this e-mail: nothing happens."
                ),
                confirm_url=_site(reverse("public:application_confirm", args=[confirmation_token(application)])),
                status_url=status_url(key),
                hours=settings.BUURTWACHT_CONFIRMATION_MAX_AGE // 3600,
            )
    except IntegrityError as exc:
        # The same form sent twice at the same moment: the constraint caught the second.
        raise ValidationError(
            {"phone": _("There is already an application for this phone number in this group.")}, code="duplicate"
        ) from exc
    return Submitted(application=application, access_key=key)


def _check_not_duplicate(group: Group, phone: str) -> None:
    if Member.objects.current().filter(group=group, phone=phone).exists():
        raise ValidationError({"phone": _("This phone number is already a member of this group.")}, code="duplicate")
    if Application.objects.filter(group=group, phone=phone, status__in=Application.OPEN_STATUSES).exists():
        raise ValidationError(
            {"phone": _("There is already an application for this phone number in this group.")}, code="duplicate"
        )


def _queue_to_applicant(application: Application, event: str, subject: str, body: str, **params) -> None:
    """Queue an e-mail to the applicant in the language they applied in. ``subject`` and
    ``body`` are msgids, translated here."""
    with translation.override(application.language):
        values = {"name": application.full_name, "group": application.group.name, **params}
        queue_email(
            to=application.email,
            subject=_(subject) % values,
            body=_(body) % values,
            topic=f"application.{event}",
            dedupe_key=f"application:{application.pk}:{event}",
            group_id=application.group_id,
            municipality_id=application.group.municipality_id,
        )


def by_access_key(key: str) -> Application | None:
    return (
        Application.objects.select_related("group", "group__municipality")
        .filter(access_key_hash=Application.hash_key(key))
        .first()
    )


@transaction.atomic
def confirm(token: str) -> Application:
    """Confirm the e-mail address. Raises ``ValidationError`` for a bad or expired link."""
    signer = signing.TimestampSigner(salt=_CONFIRM_SALT)
    try:
        pk = int(signer.unsign(token, max_age=settings.BUURTWACHT_CONFIRMATION_MAX_AGE))
    except signing.SignatureExpired as exc:
        raise ValidationError(_("This confirmation link has expired. Apply again."), code="expired") from exc
    except (signing.BadSignature, ValueError) as exc:
        raise ValidationError(_("This confirmation link is not valid."), code="invalid") from exc
    application = Application.objects.select_for_update(of=("self",)).select_related("group").filter(pk=pk).first()
    if application is None:
        raise ValidationError(_("This confirmation link is not valid."), code="invalid")
    if application.status != Application.Status.SUBMITTED:
        return application  # a second click changes nothing
    application.status = Application.Status.CONFIRMED
    application.confirmed_at = timezone.now()
    application.save(update_fields=["status", "confirmed_at"])
    record(
        PUBLIC, AuditEvent.Action.APPLICATION_CONFIRMED, application, municipality_id=application.group.municipality_id
    )
    for admin in application.group.admin_roles.select_related("user"):
        if not admin.user.email:
            continue
        queue_email(
            to=admin.user.email,
            subject=_("New application for %(group)s") % {"group": application.group.name},
            body=_("A new application waits for your decision:\n%(url)s")
            % {"url": _site(reverse("staff:application_detail", args=[application.pk]))},
            topic="application.new_for_admin",
            dedupe_key=f"application:{application.pk}:admin:{admin.user_id}",
            group_id=application.group_id,
            municipality_id=application.group.municipality_id,
        )
    return application


def _locked_open(application: Application) -> Application:
    locked = (
        Application.objects.select_for_update(of=("self",))
        .select_related("group", "group__municipality")
        .get(pk=application.pk)
    )
    if not locked.is_open:
        raise ValidationError(
            _("This application was already %(status)s.") % {"status": locked.get_status_display()}, code="decided"
        )
    return locked


@transaction.atomic
def approve(application: Application, *, actor) -> Member:
    require_group(actor, application.group)
    application = _locked_open(application)
    if application.status != Application.Status.CONFIRMED:
        raise ValidationError(_("The applicant has not confirmed their e-mail address yet."), code="unconfirmed")
    # Lock the group so two admins approving at once cannot overfill it.
    group = Group.objects.select_for_update().get(pk=application.group_id)
    if group.status == Group.Status.CLOSED:
        raise ValidationError(_("This group is closed."), code="closed")
    if group.members.current().count() >= group.capacity:
        raise ValidationError(
            _("The group is full (%(capacity)d members). Ask the coordinator to split the area or raise the capacity.")
            % {"capacity": group.capacity},
            code="full",
        )
    if group.members.current().filter(phone=application.phone).exists():
        raise ValidationError(_("This phone number is already a member of this group."), code="duplicate")
    if age_on(application.birth_date, timezone.localdate()) < settings.BUURTWACHT_MINIMUM_AGE:
        raise ValidationError(_("The applicant is younger than 18."), code="age")
    now = timezone.now()
    member = Member.objects.create(
        group=group,
        full_name=application.full_name,
        street=application.street,
        house_number=application.house_number,
        postcode=application.postcode,
        town=application.town,
        birth_date=application.birth_date,
        phone=application.phone,
        email=application.email,
        house_rules_version=application.house_rules_version,
        house_rules_accepted_at=application.house_rules_accepted_at,
        alerts_opt_in_at=application.alerts_opt_in_at,
        alerts_consent_text=application.alerts_consent_text,
        joined_at=now,
    )
    application.status = Application.Status.APPROVED
    application.decided_at = now
    application.decided_by = account_of(actor)
    application.member = member
    application.save(update_fields=["status", "decided_at", "decided_by", "member"])
    record(
        actor,
        AuditEvent.Action.APPLICATION_APPROVED,
        application,
        municipality_id=group.municipality_id,
        member_id=member.pk,
    )
    record_consent_on_join(member, application_id=application.pk)
    if group.invite_link:
        body = N_(
            "Dear %(name)s,\n\nWelcome to %(group)s. Join the WhatsApp group with this link:\n%(invite)s\n\n"
            "Remember: when you see something suspicious, call the police first (%(police)s, "
            "emergency %(emergency)s), then warn the group."
        )
    else:
        body = N_(
            "Dear %(name)s,\n\nWelcome to %(group)s. The admin will add your number to the WhatsApp group.\n\n"
            "Remember: when you see something suspicious, call the police first (%(police)s, "
            "emergency %(emergency)s), then warn the group."
        )
    _queue_to_applicant(
        application,
        "approved",
        N_("Welcome to %(group)s"),
        body,
        invite=group.invite_link,
        police=group.municipality.police_non_urgent_number,
        emergency=group.municipality.police_emergency_number,
    )
    return member


@transaction.atomic
def reject(application: Application, *, actor, reason: str) -> Application:
    require_group(actor, application.group)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the applicant a reason.")}, code="required")
    application = _locked_open(application)
    application.status = Application.Status.REJECTED
    application.decided_at = timezone.now()
    application.decided_by = account_of(actor)
    application.decision_reason = reason
    application.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    record(
        actor, AuditEvent.Action.APPLICATION_REJECTED, application, municipality_id=application.group.municipality_id
    )
    _queue_to_applicant(
        application,
        "rejected",
        N_("Your application for %(group)s"),
        N_("Dear %(name)s,\n\nYour application for %(group)s was not accepted.\n\nReason: %(reason)s"),
        reason=reason,
    )
    return application


@transaction.atomic
def withdraw(application: Application) -> Application:
    """By the applicant, from their status page."""
    application = _locked_open(application)
    application.status = Application.Status.WITHDRAWN
    application.decided_at = timezone.now()
    application.save(update_fields=["status", "decided_at"])
    record(
        PUBLIC, AuditEvent.Action.APPLICATION_WITHDRAWN, application, municipality_id=application.group.municipality_id
    )
    return application


def expire_stale_applications(now=None) -> int:
    """Unconfirmed applications past the confirmation window, and confirmed ones nobody decided
    on within the expiry period, become expired."""
    now = now or timezone.now()
    unconfirmed_before = now - timedelta(seconds=settings.BUURTWACHT_CONFIRMATION_MAX_AGE)
    undecided_before = now - timedelta(days=settings.BUURTWACHT_APPLICATION_EXPIRY_DAYS)
    count = 0
    stale = Application.objects.filter(status=Application.Status.SUBMITTED, created_at__lt=unconfirmed_before) | (
        Application.objects.filter(status=Application.Status.CONFIRMED, confirmed_at__lt=undecided_before)
    )
    for pk in stale.values_list("pk", flat=True):
        with transaction.atomic():
            app = Application.objects.select_for_update(of=("self",)).select_related("group").get(pk=pk)
            if not app.is_open:
                continue
            app.status = Application.Status.EXPIRED
            app.decided_at = now
            app.save(update_fields=["status", "decided_at"])
            record(SYSTEM, AuditEvent.Action.APPLICATION_EXPIRED, app, municipality_id=app.group.municipality_id)
            count += 1
    return count
