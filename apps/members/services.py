"""Write path for members: removal by an admin and leaving."""

from __future__ import annotations

import csv
import io

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.permissions import require_group
from apps.audit.models import AuditEvent
from apps.audit.services import record

from .models import Member


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
    locked.removed_by = actor
    locked.save(update_fields=["left_at", "leave_reason", "removal_note", "removed_by"])
    record(actor, AuditEvent.Action.MEMBER_REMOVED, locked, municipality_id=locked.group.municipality_id)
    return locked


# Excel in Belgium and the Netherlands splits CSV on semicolons (the comma is the decimal sign
# there); other spreadsheets and tools expect commas.
ROSTER_DELIMITERS = (";", ",")
DEFAULT_ROSTER_DELIMITER = ";"


def roster_csv(group, *, actor, delimiter: str = DEFAULT_ROSTER_DELIMITER) -> str:
    """The current members as CSV for adding their numbers in WhatsApp. Recorded in the audit log.

    ``delimiter`` is ";" (what Dutch and Belgian Excel reads) or ","; anything else gives ";".
    """
    require_group(actor, group)
    if delimiter not in ROSTER_DELIMITERS:
        delimiter = DEFAULT_ROSTER_DELIMITER
    members = list(group.members.current().order_by("full_name"))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(
        [_("name"), _("phone"), _("street"), _("house number"), _("postcode"), _("town"), _("e-mail"), _("joined")]
    )
    for m in members:
        writer.writerow(
            [
                _csv_safe(m.full_name),
                m.phone,
                _csv_safe(m.street),
                m.house_number,
                m.postcode,
                _csv_safe(m.town),
                _csv_safe(m.email),
                m.joined_at.date().isoformat(),
            ]
        )
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
