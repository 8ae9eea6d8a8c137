"""The coordinators' weekly digest: the groups of their municipalities that need them (no admin,
one admin, applications waiting too long; see ``apps.staff.flags``), by e-mail in the
coordinator's language, once a week (a dedupe key per coordinator and ISO week). Nothing is sent
to a coordinator whose groups are all in order.

Run hourly by the embedded worker (registered in ``StaffConfig.ready()``) and by Celery beat
(``apps.staff.tasks.coordinator_digest``); the first run of the week from Monday 07:00 sends it.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.groups.languages import language_of
from apps.groups.models import Group
from apps.messaging.models import OutgoingMessage
from apps.messaging.services import queue_email
from apps.municipalities.models import Coordinator

from .flags import flagged_groups

log = logging.getLogger(__name__)

# The digest goes out from this hour on Monday (local time), not in the night.
SEND_FROM_HOUR = 7


def period_of(now: dt.datetime) -> str:
    year, week, _day = timezone.localtime(now).isocalendar()
    return f"{year}-W{week:02d}"


def dedupe_key(user, now: dt.datetime) -> str:
    return f"digest:coordinator:{user.pk}:{period_of(now)}"


def _url(name: str, *args) -> str:
    return settings.BUURTWACHT_SITE_URL + reverse(name, args=args)


def _body(user, groups: list[Group]) -> str:
    lines = [
        _("Dear %(name)s,") % {"name": user.display_name},
        "",
        ngettext(
            "This group of your municipality needs you:",
            "These groups of your municipality need you:",
            len(groups),
        ),
        "",
    ]
    for group in groups:
        lines.append(f"- {group.name} ({group.municipality.name}): " + "; ".join(group.flag_labels))
        lines.append(f"  {_url('staff:group_detail', group.pk)}")
    lines += [
        "",
        _(
            "A group without an admin leaves applicants waiting for no one; with one admin it stands or falls "
            "with one volunteer. Appoint a (co-)admin, or ask the admin about the waiting applications."
        ),
        "",
        _("Your overview: %(url)s") % {"url": _url("staff:dashboard")},
    ]
    return "\n".join(lines)


def send_digest(coordinator_user, now: dt.datetime | None = None) -> OutgoingMessage | None:
    """Queue this week's digest for one coordinator; None when nothing is flagged (or no e-mail)."""
    now = now or timezone.now()
    if not (coordinator_user.is_active and coordinator_user.email):
        return None
    key = dedupe_key(coordinator_user, now)
    if OutgoingMessage.objects.filter(dedupe_key=key).exists():
        return None
    municipality_ids = list(coordinator_user.coordinator_roles.values_list("municipality_id", flat=True))
    with translation.override(language_of(coordinator_user)):
        groups = flagged_groups(Group.objects.filter(municipality_id__in=municipality_ids), now)
        if not groups:
            return None
        subject = ngettext(
            "Neighbourhood watch: %(count)d group needs you",
            "Neighbourhood watch: %(count)d groups need you",
            len(groups),
        ) % {"count": len(groups)}
        body = _body(coordinator_user, groups)
    with transaction.atomic():
        return queue_email(
            to=coordinator_user.email,
            subject=subject,
            body=body,
            topic="coordinator.digest",
            dedupe_key=key,
            municipality_id=municipality_ids[0] if len(municipality_ids) == 1 else None,
        )


def send_coordinator_digests(now: dt.datetime | None = None) -> int:
    """This week's digest for every coordinator with flagged groups; how many were queued."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.weekday() == 0 and local.hour < SEND_FROM_HOUR:
        return 0
    sent = 0
    users = {c.user for c in Coordinator.objects.select_related("user").order_by("user_id")}
    for user in sorted(users, key=lambda u: u.pk):
        try:
            sent += send_digest(user, now) is not None
        except Exception:  # noqa: BLE001 (one coordinator's failure must not stop the others)
            log.exception("digest for coordinator %s failed", user.pk)
    return sent
