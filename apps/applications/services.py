"""The one write path for applications: submit, confirm, approve, reject, withdraw, expire
(and the municipality's choice to accept applications from people who work in the area).

Every function runs in one transaction, records an audit event and queues the messages it
causes in that same transaction; delivery happens after commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import PUBLIC, SYSTEM, account_of
from apps.core.ages import age_on
from apps.geocoding.services import locate
from apps.groups.languages import language_of
from apps.groups.lookup import lookup_point
from apps.groups.models import Group
from apps.groups.permissions import require_group
from apps.members.alerts import ALERTS_CONSENT
from apps.members.models import Member
from apps.members.services import record_consent_on_join
from apps.messaging.services import queue_email
from apps.municipalities.models import Coordinator, Municipality
from apps.municipalities.permissions import require_municipality

from .models import Application
from .places import is_full, neighbouring_groups, places_free, waiting_list

_CONFIRM_SALT = "buurtwacht.application.confirm"


class WrongArea(ValidationError):
    """The address lies outside the group's area; ``right_group`` is the one that covers it."""

    def __init__(self, message, right_group: Group | None):
        super().__init__({"postcode": message}, code="wrong_area")
        self.right_group = right_group


class GroupFull(ValidationError):
    """The group has no place left (or people are waiting for one); ``neighbours`` are the groups
    next to it that still take members. The applicant may join the waiting list instead."""

    def __init__(self, group: Group, neighbours: list[Group]):
        message = _(
            "%(group)s is full: all %(capacity)d places are taken. Put yourself on the waiting list: "
            "when a place becomes free, the first on the list goes to the admin. Or apply to a group nearby."
        ) % {"group": group.name, "capacity": group.capacity}
        super().__init__({"waiting_list": ValidationError(message, code="full")})
        self.code = "full"
        self.neighbours = neighbours


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
    works_here = bool(data.get("works_here"))
    if works_here and not group.municipality.allows_works_here:
        raise ValidationError(
            {
                "works_here": ValidationError(
                    _(
                        "In %(municipality)s, only people who live in a group's area can apply. Applying with the "
                        "address where you work is not possible."
                    )
                    % {"municipality": group.municipality.name},
                    code="works_here_not_allowed",
                )
            }
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
    # Said before anything is stored: a full group does not take an application that would
    # then wait unseen; the resident chooses the waiting list (or a group nearby).
    waiting = is_full(group)
    if waiting and not data.get("waiting_list"):
        raise GroupFull(group, neighbouring_groups(group))

    checked_on = _age_checked_on(data["birth_date"])
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
                # The date of birth was checked (``ApplicationForm`` and above) and is not kept.
                age_checked_on=checked_on,
                phone=data["phone"],
                email=data["email"],
                works_here=works_here,
                workplace_name=(data.get("workplace_name") or "").strip() if works_here else "",
                remark=(data.get("remark") or "").strip(),
                language=language or translation.get_language() or settings.LANGUAGE_CODE,
                lat=address.lat,
                lon=address.lon,
                house_rules_version=rules,
                house_rules_accepted_at=now,
                alerts_opt_in_at=now if alerts else None,
                alerts_consent_text=str(ALERTS_CONSENT) if alerts else "",
                offers_to_help=bool(data.get("offers_to_help")),
                access_key_hash=key_hash,
            )
            record(
                PUBLIC,
                AuditEvent.Action.APPLICATION_SUBMITTED,
                application,
                municipality_id=group.municipality_id,
                alerts_opt_in=alerts,
                waiting_list=waiting,
                works_here=works_here,
            )
            if waiting:
                body = gettext_noop(
                    "Dear %(name)s,\n\nYou applied to join the neighbourhood-watch group %(group)s. "
                    "The group is full at the moment: once you confirm your e-mail address, you are on its "
                    "waiting list, and your application goes to the admin as soon as a place becomes free.\n\n"
                    "Confirm your e-mail address with this link (valid for %(hours)d hours):\n%(confirm_url)s\n\n"
                    "Follow your application here:\n%(status_url)s\n\n"
                    "If you did not apply, ignore this e-mail: nothing happens."
                )
            else:
                body = gettext_noop(
                    "Dear %(name)s,\n\nYou applied to join the neighbourhood-watch group %(group)s. "
                    "Confirm your e-mail address with this link (valid for %(hours)d hours):\n%(confirm_url)s\n\n"
                    "Follow your application here:\n%(status_url)s\n\n"
                    "If you did not apply, ignore this e-mail: nothing happens."
                )
            _queue_to_applicant(
                application,
                "confirm",
                gettext_noop("Confirm your application for %(group)s"),
                body,
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


@transaction.atomic
def set_works_here_allowed(municipality: Municipality, *, allowed: bool, actor) -> bool:
    """Whether the municipality's groups accept people who work in the area (with the address
    of their workplace). Only the municipality's coordinators (and operators) may change it.
    True when this call changed it (and then recorded in the audit trail). Applications already
    sent keep what they said."""
    require_municipality(actor, municipality)
    locked = Municipality.objects.select_for_update().get(pk=municipality.pk)
    allowed = bool(allowed)
    municipality.allows_works_here = allowed
    if locked.allows_works_here == allowed:
        return False
    locked.allows_works_here = allowed
    locked.save(update_fields=["allows_works_here"])
    record(
        actor,
        AuditEvent.Action.MUNICIPALITY_SETTINGS_CHANGED,
        locked,
        municipality_id=locked.pk,
        allows_works_here=allowed,
    )
    return True


def _age_checked_on(birth_date) -> dt.date:
    """The day the applicant is found to be 18 or older: today. Only this day is stored, never
    the date of birth (data minimisation; see docs/adr). The form checks it too; this is the
    service's own guard for callers that skip the form."""
    today = timezone.localdate()
    if birth_date is None or age_on(birth_date, today) < settings.BUURTWACHT_MINIMUM_AGE:
        raise ValidationError(
            {
                "birth_date": _("You must be %(age)d or older to join a neighbourhood-watch group.")
                % {"age": settings.BUURTWACHT_MINIMUM_AGE}
            },
            code="age",
        )
    return today


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
    """Confirm the e-mail address. Raises ``ValidationError`` for a bad or expired link.

    The application goes to the admins, or, when the group is full, onto its waiting list; the
    applicant is told which."""
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
    # Lock the group: two confirmations at once must not both take its last place.
    group = Group.objects.select_for_update(of=("self",)).select_related("municipality").get(pk=application.group_id)
    now = timezone.now()
    application.confirmed_at = now
    if is_full(group):
        application.status = Application.Status.WAITING
        application.save(update_fields=["status", "confirmed_at"])
        record(PUBLIC, AuditEvent.Action.APPLICATION_CONFIRMED, application, municipality_id=group.municipality_id)
        position = waiting_list(group).filter(confirmed_at__lte=now).count()
        record(
            PUBLIC,
            AuditEvent.Action.APPLICATION_WAITLISTED,
            application,
            municipality_id=group.municipality_id,
            position=position,
        )
        _queue_to_applicant(
            application,
            "waiting",
            gettext_noop("You are on the waiting list of %(group)s"),
            gettext_noop(
                "Dear %(name)s,\n\nThank you for confirming your e-mail address. %(group)s is full at the moment, "
                "so you are on its waiting list (number %(position)d). As soon as a place becomes free, your "
                "application goes to the admin and we let you know by e-mail.\n\n"
                "You can follow or withdraw your application with the link in our first e-mail."
            ),
            position=position,
        )
        return application
    application.status = Application.Status.CONFIRMED
    application.to_admin_at = now
    application.save(update_fields=["status", "confirmed_at", "to_admin_at"])
    record(PUBLIC, AuditEvent.Action.APPLICATION_CONFIRMED, application, municipality_id=group.municipality_id)
    _notify_admins(application)
    return application


def _notify_admins(application: Application) -> None:
    """Tell every admin and co-admin of the group, each in their own language."""
    url = _site(reverse("staff:application_detail", args=[application.pk]))
    for admin in application.group.admin_roles.select_related("user"):
        if not admin.user.email:
            continue
        with translation.override(language_of(admin.user)):
            queue_email(
                to=admin.user.email,
                subject=_("New application for %(group)s") % {"group": application.group.name},
                body=_("A new application waits for your decision:\n%(url)s") % {"url": url},
                topic="application.new_for_admin",
                dedupe_key=f"application:{application.pk}:admin:{admin.user_id}",
                group_id=application.group_id,
                municipality_id=application.group.municipality_id,
            )


def fill_free_places(group_id: int) -> int:
    """Move waiting applications on to the admins while the group has a free place, first come
    first served, each applicant told by e-mail. Called when a place may have become free (a
    member left, an application was rejected, withdrawn or expired) and every hour (a raised
    capacity). Returns how many moved on."""
    moved = 0
    with transaction.atomic():
        group = Group.objects.select_for_update(of=("self",)).select_related("municipality").filter(pk=group_id).first()
        if group is None or not group.is_open_for_applications:
            return 0
        while places_free(group) > 0:
            first = waiting_list(group).select_for_update(of=("self",)).select_related("group").first()
            if first is None:
                break
            now = timezone.now()
            first.status = Application.Status.CONFIRMED
            first.to_admin_at = now
            first.save(update_fields=["status", "to_admin_at"])
            record(SYSTEM, AuditEvent.Action.APPLICATION_PLACE_FREED, first, municipality_id=group.municipality_id)
            _queue_to_applicant(
                first,
                "place_freed",
                gettext_noop("A place has become free in %(group)s"),
                gettext_noop(
                    "Dear %(name)s,\n\nA place has become free in %(group)s. Your application has left the waiting "
                    "list and now goes to the admin, who will decide. You will receive an e-mail."
                ),
            )
            _notify_admins(first)
            moved += 1
    return moved


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
    if application.status == Application.Status.WAITING:
        raise ValidationError(
            _("This application is on the waiting list: it comes to you as soon as the group has a free place."),
            code="waiting",
        )
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
    if application.age_checked_on is None:
        raise ValidationError(_("The applicant is younger than 18."), code="age")
    now = timezone.now()
    member = Member.objects.create(
        group=group,
        full_name=application.full_name,
        street=application.street,
        house_number=application.house_number,
        postcode=application.postcode,
        town=application.town,
        age_checked_on=application.age_checked_on,
        phone=application.phone,
        email=application.email,
        works_here=application.works_here,
        workplace_name=application.workplace_name,
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
        works_here=application.works_here,
    )
    record_consent_on_join(member, application_id=application.pk)
    if group.invite_link:
        body = gettext_noop(
            "Dear %(name)s,\n\nWelcome to %(group)s. Join the WhatsApp group with this link:\n%(invite)s\n\n"
            "Remember: when you see something suspicious, call the police first (%(police)s, "
            "emergency %(emergency)s), then warn the group."
        )
    else:
        body = gettext_noop(
            "Dear %(name)s,\n\nWelcome to %(group)s. The admin will add your number to the WhatsApp group.\n\n"
            "Remember: when you see something suspicious, call the police first (%(police)s, "
            "emergency %(emergency)s), then warn the group."
        )
    _queue_to_applicant(
        application,
        "approved",
        gettext_noop("Welcome to %(group)s"),
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
        gettext_noop("Your application for %(group)s"),
        gettext_noop("Dear %(name)s,\n\nYour application for %(group)s was not accepted.\n\nReason: %(reason)s"),
        reason=reason,
    )
    fill_free_places(application.group_id)
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
    fill_free_places(application.group_id)
    return application


def expire_stale_applications(now=None) -> int:
    """Unconfirmed applications past the confirmation window, and confirmed ones nobody decided
    on within the expiry period, become expired; each applicant is told by e-mail in their
    language, and the place a confirmed one held goes to the waiting list. Applications on a
    waiting list do not expire: they wait for a place."""
    now = now or timezone.now()
    unconfirmed_before = now - timedelta(seconds=settings.BUURTWACHT_CONFIRMATION_MAX_AGE)
    undecided_before = now - timedelta(days=settings.BUURTWACHT_APPLICATION_EXPIRY_DAYS)
    count = 0
    stale = Application.objects.filter(status=Application.Status.SUBMITTED, created_at__lt=unconfirmed_before) | (
        Application.objects.filter(status=Application.Status.CONFIRMED, to_admin_at__lt=undecided_before)
    )
    for pk in stale.values_list("pk", flat=True):
        with transaction.atomic():
            app = Application.objects.select_for_update(of=("self",)).select_related("group").get(pk=pk)
            if app.status not in (Application.Status.SUBMITTED, Application.Status.CONFIRMED):
                continue
            was_confirmed = app.status == Application.Status.CONFIRMED
            app.status = Application.Status.EXPIRED
            app.decided_at = now
            app.save(update_fields=["status", "decided_at"])
            record(SYSTEM, AuditEvent.Action.APPLICATION_EXPIRED, app, municipality_id=app.group.municipality_id)
            apply_url = _site(reverse("public:apply", args=[app.group.slug]))
            if was_confirmed:
                body = gettext_noop(
                    "Dear %(name)s,\n\nYour application for %(group)s has expired: the group's admins did not "
                    "decide on it within %(days)d days. We are sorry.\n\n"
                    "You can apply again here:\n%(apply_url)s"
                )
            else:
                body = gettext_noop(
                    "Dear %(name)s,\n\nYour application for %(group)s has expired: the e-mail address was not "
                    "confirmed within %(hours)d hours.\n\nIf you still want to join, apply again here:\n"
                    "%(apply_url)s\n\nIf you did not apply, ignore this e-mail."
                )
            _queue_to_applicant(
                app,
                "expired",
                gettext_noop("Your application for %(group)s has expired"),
                body,
                days=settings.BUURTWACHT_APPLICATION_EXPIRY_DAYS,
                hours=settings.BUURTWACHT_CONFIRMATION_MAX_AGE // 3600,
                apply_url=apply_url,
            )
            if was_confirmed:
                fill_free_places(app.group_id)
            count += 1
    return count


def escalate_waiting_applications(now=None) -> int:
    """Applications waiting longer than ``BUURTWACHT_APPLICATION_ESCALATION_DAYS`` for the
    admins' decision go to the coordinators of the group's municipality, each told by e-mail in
    their own language; once per application. Returns how many were escalated."""
    now = now or timezone.now()
    days = settings.BUURTWACHT_APPLICATION_ESCALATION_DAYS
    before = now - timedelta(days=days)
    due = Application.objects.filter(
        status=Application.Status.CONFIRMED, to_admin_at__lt=before, escalated_at__isnull=True
    ).values_list("pk", flat=True)
    count = 0
    for pk in due:
        with transaction.atomic():
            app = (
                Application.objects.select_for_update(of=("self",))
                .select_related("group", "group__municipality")
                .get(pk=pk)
            )
            if app.status != Application.Status.CONFIRMED or app.escalated_at is not None:
                continue
            app.escalated_at = now
            app.save(update_fields=["escalated_at"])
            group = app.group
            coordinators = [
                c.user
                for c in Coordinator.objects.filter(municipality_id=group.municipality_id, user__is_active=True)
                .select_related("user")
                .order_by("pk")
                if c.user.email
            ]
            record(
                SYSTEM,
                AuditEvent.Action.APPLICATION_ESCALATED,
                app,
                municipality_id=group.municipality_id,
                coordinators=[u.pk for u in coordinators],
            )
            url = _site(reverse("staff:application_detail", args=[app.pk]))
            expires = app.to_admin_at + timedelta(days=settings.BUURTWACHT_APPLICATION_EXPIRY_DAYS)
            for user in coordinators:
                with translation.override(language_of(user)):
                    queue_email(
                        to=user.email,
                        subject=_("An application for %(group)s waits too long") % {"group": group.name},
                        body=_(
                            "Dear %(name)s,\n\nAn application to join %(group)s has been waiting since %(since)s for "
                            "a decision by the group's admins. Please decide on it, or remind the admins, before it "
                            "expires on %(expires)s:\n%(url)s"
                        )
                        % {
                            "name": user.display_name,
                            "group": group.name,
                            "since": date_format(timezone.localtime(app.to_admin_at), "j F Y"),
                            "expires": date_format(timezone.localtime(expires), "j F Y"),
                            "url": url,
                        },
                        topic="application.escalated",
                        dedupe_key=f"application:{app.pk}:escalated:{user.pk}",
                        group_id=group.pk,
                        municipality_id=group.municipality_id,
                    )
            count += 1
    return count


def fill_waiting_lists() -> int:
    """Every group with a waiting list gets its free places filled (a capacity raised on the
    desk frees places without any application or member changing)."""
    group_ids = (
        Application.objects.filter(status=Application.Status.WAITING).values_list("group_id", flat=True).distinct()
    )
    return sum(fill_free_places(group_id) for group_id in list(group_ids))


def hourly(now=None) -> int:
    """The background job: expire, escalate, fill the waiting lists."""
    expired = expire_stale_applications(now)
    escalate_waiting_applications(now)
    fill_waiting_lists()
    return expired
