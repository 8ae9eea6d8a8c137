"""Groups that need the coordinator: no admin (applications reach no one), only one admin (the
group stands or falls with one volunteer), or applications waiting longer than
``BUURTWACHT_APPLICATION_ESCALATION_DAYS`` for the admins' decision: the same applications that
were escalated to the coordinators (``escalate_waiting_applications``), counted from the day they
reached the admins (an application that waited on the waiting list first counts from the day its
place came free). Shown on the coordinator's desk and in
their digest e-mail (``apps.staff.digest``)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.applications.models import Application
from apps.groups.models import Group, GroupAdmin

from .figures import _count

NO_ADMIN = "no_admin"
ONE_ADMIN = "one_admin"
WAITING = "waiting"


def wait_days() -> int:
    return settings.BUURTWACHT_APPLICATION_ESCALATION_DAYS


def with_flag_counts(groups: QuerySet, now: dt.datetime | None = None) -> QuerySet:
    """Annotate ``lead_admins`` (role admin), ``all_admins`` (admins and co-admins) and
    ``waiting_long`` (applications in the admins' hands for longer than the limit)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=wait_days())
    roles = GroupAdmin.objects.filter(group=OuterRef("pk"))
    return groups.annotate(
        lead_admins=_count(roles.filter(role=GroupAdmin.Role.ADMIN)),
        all_admins=_count(roles),
        waiting_long=_count(
            Application.objects.filter(
                group=OuterRef("pk"), status=Application.Status.CONFIRMED, to_admin_at__lt=cutoff
            )
        ),
    )


def flags_of(group: Group) -> list[str]:
    """The flags of a group annotated by ``with_flag_counts``; none for a closed group."""
    if group.status == Group.Status.CLOSED:
        return []
    flags = []
    if group.lead_admins == 0:
        flags.append(NO_ADMIN)
    elif group.all_admins == 1:
        flags.append(ONE_ADMIN)
    if group.waiting_long:
        flags.append(WAITING)
    return flags


def flag_labels(group: Group) -> list[str]:
    """The flags in words, in the active language."""
    labels = []
    for flag in group.flags:
        if flag == NO_ADMIN:
            if group.all_admins:
                labels.append(_("No admin (only co-admins)"))
            else:
                labels.append(_("No admin"))
        elif flag == ONE_ADMIN:
            labels.append(_("Only one admin"))
        elif flag == WAITING:
            labels.append(
                ngettext(
                    "%(count)d application has waited more than %(days)d days",
                    "%(count)d applications have waited more than %(days)d days",
                    group.waiting_long,
                )
                % {"count": group.waiting_long, "days": wait_days()}
            )
    return labels


def attach_flags(groups) -> list[Group]:
    """Evaluate groups annotated by ``with_flag_counts`` and give each its ``flags``."""
    groups = list(groups)
    for group in groups:
        group.flags = flags_of(group)
        group.flag_labels = flag_labels(group)
    return groups


def flagged_groups(groups: QuerySet, now: dt.datetime | None = None) -> list[Group]:
    """The groups of ``groups`` with at least one flag, by municipality and name."""
    annotated = with_flag_counts(groups.exclude(status=Group.Status.CLOSED), now).select_related("municipality")
    return [g for g in attach_flags(annotated.order_by("municipality__name", "name")) if g.flags]
