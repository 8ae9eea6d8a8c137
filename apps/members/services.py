"""Write path for members: removal by an admin and leaving, and the consent to police and
municipality alerts (given on the application form, stopped by the member's link in any alert or
by their group admin on their behalf, given again through the admin at the member's request)."""

from __future__ import annotations

import csv
import io

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import PUBLIC, account_of, require_actor
from apps.groups.permissions import require_group, require_group_admin
from apps.messaging.services import Contact, cancel_queued_for_member

from .alerts import ALERTS_CONSENT, ALERTS_CONSENT_VERSION
from .confirmation import ask_to_confirm
from .models import Member

# Messages a member stops receiving with their consent: the broadcasts' topics start with this.
ALERT_TOPICS = "broadcast."


@transaction.atomic
def remove(member: Member, *, actor, reason: str) -> Member:
    require_group(actor, member.group)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the member is removed.")}, code="required")
    locked = Member.objects.select_for_update().get(pk=member.pk)
    if locked.left_at is not None:
        raise ValidationError(_("This person is no longer a member."), code="left")
    locked.left_at = timezone.now()
    locked.leave_reason = Member.LeaveReason.REMOVED
    locked.removal_note = reason
    locked.removed_by = account_of(actor)
    locked.save(update_fields=["left_at", "leave_reason", "removal_note", "removed_by"])
    record(actor, AuditEvent.Action.MEMBER_REMOVED, locked, municipality_id=locked.group.municipality_id)
    cancel_queued_for_member(locked.pk, topic_prefix=ALERT_TOPICS, reason="no longer a member")
    return locked


def leave(member: Member, *, actor, via: str) -> Member:
    """The member leaves the group themselves (``actor`` is ``PUBLIC``: through their secret link,
    ``via`` names which). Alerts still waiting for them are cancelled; the place it frees goes to
    the waiting list (``apps.applications.signals``). A member who left already raises."""
    require_actor(actor)
    with transaction.atomic():
        locked = Member.objects.select_for_update().select_related("group").get(pk=member.pk)
        if locked.left_at is not None:
            raise ValidationError(_("This person is no longer a member."), code="left")
        locked.left_at = timezone.now()
        locked.leave_reason = Member.LeaveReason.LEFT
        locked.save(update_fields=["left_at", "leave_reason"])
        record(actor, AuditEvent.Action.MEMBER_LEFT, locked, municipality_id=locked.group.municipality_id, via=via)
        cancel_queued_for_member(locked.pk, topic_prefix=ALERT_TOPICS, reason="no longer a member")
    return locked


# --- alerts --------------------------------------------------------------------------------------


class Via:
    """How a change of the consent reached us (kept in the audit event)."""

    APPLICATION = "application"
    LINK = "link"
    ADMIN = "admin"


def record_consent_on_join(member: Member, *, application_id: int) -> None:
    """The audit event of the consent given on the application form; called when the approval
    creates the member, in the same transaction."""
    if member.alerts_opt_in_at is None:
        return
    record(
        PUBLIC,  # the resident's own choice; they have no account
        AuditEvent.Action.MEMBER_ALERTS_OPTED_IN,
        member,
        municipality_id=member.group.municipality_id,
        via=Via.APPLICATION,
        application_id=application_id,
        consented_at=member.alerts_opt_in_at.isoformat(),
        wording=ALERTS_CONSENT_VERSION,
    )
    # Alerts go to the phone only once the member confirmed the number.
    ask_to_confirm(member, actor=PUBLIC)


def stop_alerts(member: Member, *, actor, via: str = Via.LINK) -> bool:
    """Stop the alerts to a member: from the link in an alert (``actor`` is ``PUBLIC``: the
    member has no account) or recorded by one of the group's admins on the member's behalf.
    True when this call stopped them; False
    when they were already stopped (nothing changes then). Alerts still waiting to go out (a
    green one held until the morning) are cancelled."""
    if not (actor is PUBLIC and via == Via.LINK):
        require_group_admin(actor, member.group)
    with transaction.atomic():
        now = timezone.now()
        # A conditional update: two clicks at once stop the alerts (and write the event) once.
        stopped = (
            Member.objects.receiving_alerts()
            .filter(pk=member.pk)
            .update(alerts_opt_out_at=now, alerts_opt_out_by=account_of(actor))
        )
        if not stopped:
            return False
        record(
            actor,
            AuditEvent.Action.MEMBER_ALERTS_OPTED_OUT,
            member,
            municipality_id=member.group.municipality_id,
            via=via,
        )
        cancel_queued_for_member(member.pk, topic_prefix=ALERT_TOPICS, reason="alerts stopped by the member")
    member.refresh_from_db()
    return True


def start_alerts(member: Member, *, actor, member_asked: bool) -> Member:
    """The member asked their admin to receive the alerts (again): the admin records it. The
    wording stored is the consent sentence as the admin confirmed it."""
    require_group_admin(actor, member.group)
    if not member_asked:
        raise ValidationError(
            {"member_asked": _("Only record this when the member asked for it themselves.")}, code="required"
        )
    with transaction.atomic():
        now = timezone.now()
        started = (
            Member.objects.filter(pk=member.pk, left_at__isnull=True)
            .filter(models.Q(alerts_opt_in_at__isnull=True) | models.Q(alerts_opt_out_at__isnull=False))
            .update(
                alerts_opt_in_at=now,
                alerts_consent_text=str(ALERTS_CONSENT),
                alerts_opt_out_at=None,
                alerts_opt_out_by=None,
            )
        )
        if not started:
            member.refresh_from_db()
            if member.left_at is not None:
                raise ValidationError(_("This person is no longer a member."), code="left")
            raise ValidationError(_("This member already receives the alerts."), code="already")
        record(
            actor,
            AuditEvent.Action.MEMBER_ALERTS_OPTED_IN,
            member,
            municipality_id=member.group.municipality_id,
            via=Via.ADMIN,
            consented_at=now.isoformat(),
            wording=ALERTS_CONSENT_VERSION,
        )
        member.refresh_from_db()
        ask_to_confirm(member, actor=actor)
    return member


def alert_contact(member_id: int) -> Contact | None:
    """Where to reach a member with an alert; None when they left or stopped the alerts. The
    phone only once the member confirmed it (``confirmation``): until then, e-mail only."""
    found = (
        Member.objects.receiving_alerts().filter(pk=member_id).values("phone", "email", "phone_confirmed_at").first()
    )
    if found is None:
        return None
    phone = found["phone"] if found["phone_confirmed_at"] is not None else ""
    return Contact(phone=phone, email=found["email"], member_id=member_id)


# Excel in Belgium and the Netherlands splits CSV on semicolons (the comma is the decimal sign
# there); other spreadsheets and tools expect commas.
ROSTER_DELIMITERS = (";", ",")
DEFAULT_ROSTER_DELIMITER = ";"


def roster_csv(group, *, actor, delimiter: str = DEFAULT_ROSTER_DELIMITER) -> str:
    """The current members as CSV for adding their numbers in WhatsApp. Recorded in the audit log.
    The column "18+ checked on" holds the day the member was found to be of age (the date of birth
    is not kept). Where the municipality accepts people who work in the area (or a member joined
    that way), the last two columns say whether each member works at the address, and where.

    ``delimiter`` is ";" (what Dutch and Belgian Excel reads) or ","; anything else gives ";".
    """
    require_group(actor, group)
    if delimiter not in ROSTER_DELIMITERS:
        delimiter = DEFAULT_ROSTER_DELIMITER
    members = list(group.members.current().order_by("full_name"))
    # Where people may join with the address where they work, two more columns say who does.
    works_here = group.municipality.allows_works_here or any(m.works_here for m in members)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    header = [_("name"), _("phone"), _("street"), _("house number"), _("postcode"), _("town"), _("e-mail"), _("joined")]
    # The age as checked when the member applied: the date of birth is not kept.
    header += [_("18+ checked on")]
    if works_here:
        header += [_("works here"), _("workplace")]
    writer.writerow(header)
    for m in members:
        row = [
            _csv_safe(m.full_name),
            m.phone,
            _csv_safe(m.street),
            m.house_number,
            m.postcode,
            _csv_safe(m.town),
            _csv_safe(m.email),
            m.joined_at.date().isoformat(),
            m.age_checked_on.isoformat() if m.age_checked_on else "",
        ]
        if works_here:
            row += [_("yes") if m.works_here else _("no"), _csv_safe(m.workplace_name)]
        writer.writerow(row)
    record(
        actor,
        AuditEvent.Action.MEMBERS_EXPORTED,
        group,
        group_id=group.pk,
        municipality_id=group.municipality_id,
        count=len(members),
    )
    return out.getvalue()


def _csv_safe(value: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas; a resident's name must not."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value
