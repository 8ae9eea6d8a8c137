"""Retention: personal data is kept only as long as each municipality's policy says, then
deleted (or, for delivered messages, their text replaced), by one job.

The periods are fields of ``Municipality`` (``retention_<kind>_days``, defaults in
``apps.municipalities.models.RETENTION_DEFAULTS``); what belongs to no municipality (a message
or an audit event without one) follows the defaults. What each kind covers, counted from when:

- ``applications``: unconfirmed applications from when they were sent; rejected, withdrawn and
  expired ones from their end. Approved applications go with their member.
- ``members``: members who left or were removed, from the day they left, with the approved
  application that made them a member.
- ``messages``: the text (and SMS text) of delivered messages, from delivery; the row stays, so
  the desk still shows that a message went out, to whom and when.
- ``incidents``: incidents from when they were reported, with their photos, videos and sound
  (files removed after commit) and their relays.
- ``audit``: audit events, deleted whole: the one deletion the append-only log allows.

``apply_retention`` is run by the embedded worker and Celery beat (``apps.retention.apps``,
``buurtwacht/celery.py``) and by ``manage.py apply_retention [--dry-run]``. It records one audit
event per municipality with how many of each kind it removed: counts only, no personal data.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Value
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.applications.models import Application
from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import SYSTEM
from apps.groups.models import GroupRegistration, GroupRequest
from apps.incidents.models import Incident, IncidentAttachment
from apps.members.models import Member
from apps.messaging.models import OutgoingMessage
from apps.municipalities.models import RETENTION_DEFAULTS, RETENTION_LIMITS, Municipality
from apps.municipalities.permissions import require_municipality

log = logging.getLogger(__name__)

KINDS = tuple(RETENTION_DEFAULTS)
# What a delivered message's text becomes (the same in every language: it is stored, not shown
# to residents).
REDACTED = "[removed after the retention period]"
ENDED_APPLICATIONS = (Application.Status.REJECTED, Application.Status.WITHDRAWN, Application.Status.EXPIRED)


def field_name(kind: str) -> str:
    return f"retention_{kind}_days"


@dataclass(frozen=True)
class Policy:
    """How many days each kind is kept."""

    applications: int
    members: int
    messages: int
    incidents: int
    audit: int

    def days(self, kind: str) -> int:
        return getattr(self, kind)


DEFAULT_POLICY = Policy(**RETENTION_DEFAULTS)


def policy_of(municipality: Municipality | None) -> Policy:
    """The municipality's periods; the defaults for ``None``."""
    if municipality is None:
        return DEFAULT_POLICY
    return Policy(**{kind: getattr(municipality, field_name(kind)) for kind in KINDS})


@dataclass
class Report:
    """What one run removed (or, in a dry run, would remove): counts per municipality (``None``:
    what belongs to no municipality) and kind. ``attachments`` counts the incidents' files."""

    dry_run: bool = False
    counts: dict[int | None, Counter] = field(default_factory=dict)

    def add(self, municipality_id: int | None, kind: str, n: int) -> None:
        if n:
            self.counts.setdefault(municipality_id, Counter())[kind] += n

    def of(self, municipality_id: int | None) -> Counter:
        return self.counts.get(municipality_id, Counter())

    @property
    def total(self) -> int:
        return sum(sum(c.values()) for c in self.counts.values())


def apply_retention(now: dt.datetime | None = None, *, dry_run: bool = False) -> Report:
    """Remove what is past its retention period, municipality by municipality; with ``dry_run``
    only count it. Each municipality's work is one transaction, with its audit event."""
    now = now or timezone.now()
    report = Report(dry_run=dry_run)
    for municipality in Municipality.objects.order_by("pk"):
        try:
            _apply_for(municipality, policy_of(municipality), now, report)
        except Exception:  # one municipality's failure must not keep the others' data forever
            log.exception("retention for municipality %s failed", municipality.pk)
    _apply_without_municipality(now, report)
    return report


def _cutoff(now: dt.datetime, days: int) -> dt.datetime:
    return now - dt.timedelta(days=days)


def _apply_for(municipality: Municipality, policy: Policy, now: dt.datetime, report: Report) -> None:
    mid = municipality.pk
    files: list[tuple[object, str]] = []
    with transaction.atomic():
        # Members who left: they and the application that made them a member.
        gone = Member.objects.filter(
            group__municipality=municipality, left_at__lt=_cutoff(now, policy.members)
        ).values_list("pk", flat=True)
        gone = list(gone)
        their_applications = Application.objects.filter(member_id__in=gone)
        report.add(mid, "applications", their_applications.count())
        report.add(mid, "members", len(gone))

        cutoff = _cutoff(now, policy.applications)
        ended = Application.objects.filter(group__municipality=municipality).filter(
            models.Q(status=Application.Status.SUBMITTED, created_at__lt=cutoff)
            | models.Q(status__in=ENDED_APPLICATIONS, decided_at__lt=cutoff)
        )
        report.add(mid, "applications", ended.count())

        # Requests to start a group and registrations of existing groups, once decided: a
        # resident's name, e-mail and phone kept as long as an ended application.
        requests = GroupRequest.objects.filter(municipality=municipality, decided_at__lt=cutoff).exclude(
            status=GroupRequest.Status.OPEN
        )
        report.add(mid, "group_requests", requests.count())
        registrations = GroupRegistration.objects.filter(municipality=municipality, decided_at__lt=cutoff).exclude(
            status=GroupRegistration.Status.OPEN
        )
        report.add(mid, "group_registrations", registrations.count())

        delivered = _delivered_texts(policy, now).filter(municipality_id=mid)
        report.add(mid, "messages", delivered.count())

        incidents = Incident.objects.filter(municipality=municipality, created_at__lt=_cutoff(now, policy.incidents))
        attachments = IncidentAttachment.objects.filter(incident__in=incidents)
        report.add(mid, "incidents", incidents.count())
        report.add(mid, "attachments", attachments.count())

        audit = AuditEvent.objects.filter(municipality_id=mid, created_at__lt=_cutoff(now, policy.audit))
        report.add(mid, "audit", audit.count())

        if report.dry_run or not report.of(mid):
            return
        their_applications.delete()
        Member.objects.filter(pk__in=gone).delete()
        ended.delete()
        requests.delete()
        registrations.delete()
        _redact(delivered)
        files = [(a.file.storage, a.file.name) for a in attachments if a.file]
        incidents.delete()  # attachments and relays go with them (CASCADE)
        _delete_audit_events(audit)
        record(SYSTEM, AuditEvent.Action.RETENTION_APPLIED, municipality, municipality_id=mid, **report.of(mid))
        transaction.on_commit(lambda: _remove_files(files))


def _apply_without_municipality(now: dt.datetime, report: Report) -> None:
    """Messages and audit events that belong to no municipality follow the defaults."""
    policy = DEFAULT_POLICY
    with transaction.atomic():
        delivered = _delivered_texts(policy, now).filter(municipality_id__isnull=True)
        audit = AuditEvent.objects.filter(municipality_id__isnull=True, created_at__lt=_cutoff(now, policy.audit))
        report.add(None, "messages", delivered.count())
        report.add(None, "audit", audit.count())
        if report.dry_run or not report.of(None):
            return
        _redact(delivered)
        _delete_audit_events(audit)
        record(SYSTEM, AuditEvent.Action.RETENTION_APPLIED, **report.of(None))


def _delivered_texts(policy: Policy, now: dt.datetime):
    # The message texts are stored encrypted (``apps.messaging.sealing``), so a plain comparison
    # finds nothing; the redaction is written and compared as an expression, which the column
    # stores and reads as it is (it is no secret), so a message is redacted and counted once.
    return OutgoingMessage.objects.filter(
        status=OutgoingMessage.Status.SENT, sent_at__lt=_cutoff(now, policy.messages)
    ).exclude(body=Value(REDACTED))


def _redact(messages) -> None:
    messages.update(body=Value(REDACTED), short_body=Value(""))


def _delete_audit_events(events) -> None:
    """The append-only log refuses deletes (``AuditEventQuerySet.delete``); events past the
    retention period are the one exception, deleted whole, here and nowhere else."""
    models.QuerySet.delete(events)


def _remove_files(files) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except OSError:
            log.exception("could not remove the attachment file %s", name)


# --- the policy, set by the municipality's coordinators ------------------------------------------


@transaction.atomic
def save_policy(municipality: Municipality, *, actor, **days: int) -> bool:
    """Set the municipality's retention periods (days per kind; kinds not given stay). Only its
    coordinators (and operators) may. True when something changed (then recorded in the audit
    trail, with the old and new periods: numbers only)."""
    require_municipality(actor, municipality)
    unknown = set(days) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown retention kinds: {sorted(unknown)}")
    errors = {}
    for kind, value in days.items():
        if not isinstance(value, int) or not RETENTION_LIMITS["minimum"] <= value <= RETENTION_LIMITS["maximum"]:
            errors[field_name(kind)] = ValidationError(
                _("Enter a number of days from %(minimum)d to %(maximum)d.") % RETENTION_LIMITS, code="range"
            )
    if errors:
        raise ValidationError(errors)
    locked = Municipality.objects.select_for_update().get(pk=municipality.pk)
    changed = {
        kind: {"from": getattr(locked, field_name(kind)), "to": value}
        for kind, value in days.items()
        if getattr(locked, field_name(kind)) != value
    }
    for kind, value in days.items():
        setattr(municipality, field_name(kind), value)
    if not changed:
        return False
    for kind in changed:
        setattr(locked, field_name(kind), days[kind])
    locked.save(update_fields=[field_name(kind) for kind in changed])
    record(actor, AuditEvent.Action.MUNICIPALITY_SETTINGS_CHANGED, locked, municipality_id=locked.pk, retention=changed)
    return True
