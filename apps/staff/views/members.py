"""A group's members on the desk: the list with search, the export, removing a member, and
recording a member's wish to stop or start the alerts."""

from __future__ import annotations

import re
import unicodedata

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts.decorators import recent_login_required
from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.groups.models import Group
from apps.groups.permissions import administered_groups, managed_groups
from apps.members.alerts import ALERTS_CONSENT
from apps.members.permissions import members_for
from apps.members.services import Via, roster_csv, start_alerts, stop_alerts
from apps.members.services import remove as remove_member

from .. import forms
from ..figures import Fill
from .common import error_text, render, staff_view


def _managed_group(request, pk) -> Group:
    return get_object_or_404(managed_groups(request.user).select_related("municipality", "area"), pk=pk)


def _folded(text: str) -> str:
    """``"LEFÈVRE"``, ``"Lefèvre"`` and ``"lefevre"`` compare equal, as a person searching expects
    (SQLite's own ``LIKE`` folds only ASCII letters, and neither database drops the accents)."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _matches(member, search: str) -> bool:
    """A member whose name, street, postcode or workplace holds the search, accents and case
    aside, or whose phone number holds its digits. A group holds at most a few hundred members,
    all of them read for the list anyway."""
    wanted = _folded(search)
    if any(
        wanted in _folded(value) for value in (member.full_name, member.street, member.postcode, member.workplace_name)
    ):
        return True
    digits = re.sub(r"\D", "", search)
    return len(digits) >= 3 and (digits in member.phone or digits.lstrip("0") in member.phone)


@staff_view
def member_list(request, pk):
    group = _managed_group(request, pk)
    members = members_for(request.user).filter(group=group).current().order_by("full_name", "pk")
    total = members.count()
    search = (request.GET.get("q") or "").strip()[:100]
    members = list(members)
    if search:
        members = [m for m in members if _matches(m, search)]
    record(
        request.user,
        AuditEvent.Action.MEMBERS_VIEWED,
        group,
        group_id=group.pk,
        municipality_id=group.municipality_id,
        count=len(members),
    )
    return render(
        request,
        "staff/member_list.html",
        {
            "group": group,
            "members": members,
            "fill": Fill(total, group.capacity),
            "search": search,
            "remove_form": forms.ReasonForm(
                label=_("Why is this member removed?"),
                help_text=_("Kept with the membership record; not sent to the member."),
            ),
            # Only the group's own admins record a member's choice about alerts, not the coordinator.
            "records_alerts": administered_groups(request.user).filter(pk=group.pk).exists(),
            "alerts_consent": ALERTS_CONSENT,
        },
    )


@staff_view
@recent_login_required
def member_export(request, pk):
    group = _managed_group(request, pk)
    # Semicolons unless asked otherwise: what Excel reads in Belgium and the Netherlands.
    delimiter = "," if request.GET.get("sep") == "comma" else ";"
    content = roster_csv(group, actor=request.user, delimiter=delimiter)  # records MEMBERS_EXPORTED
    # The byte-order mark makes Excel read the file as UTF-8 (names with é, ë, ç).
    response = HttpResponse("\ufeff" + content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{group.slug}-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


@staff_view
@require_POST
@recent_login_required
def member_remove(request, pk):
    member = get_object_or_404(members_for(request.user).select_related("group"), pk=pk)
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not removed: say why the member is removed."))
    else:
        try:
            remove_member(member, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, _("Not removed: %(reason)s") % {"reason": error_text(exc)})
        else:
            messages.success(
                request,
                _("Removed from the list. Also remove the number from the WhatsApp group itself."),
            )
    return redirect("staff:member_list", pk=member.group_id)


@require_POST
@staff_view
def member_alerts_stop(request, pk):
    """The member asked their admin to stop the police and municipality alerts."""
    member = get_object_or_404(members_for(request.user).current().select_related("group"), pk=pk)
    if stop_alerts(member, actor=request.user, via=Via.ADMIN):
        messages.success(request, _("Recorded: %(name)s no longer receives alerts.") % {"name": member.full_name})
    else:
        messages.info(request, _("%(name)s did not receive alerts; nothing changed.") % {"name": member.full_name})
    return redirect("staff:member_list", pk=member.group_id)


@require_POST
@staff_view
def member_alerts_start(request, pk):
    """The member asked their admin to receive the alerts (again)."""
    member = get_object_or_404(members_for(request.user).current().select_related("group"), pk=pk)
    try:
        start_alerts(member, actor=request.user, member_asked=request.POST.get("member_asked") == "on")
    except ValidationError as exc:
        messages.error(request, _("Not recorded: %(reason)s") % {"reason": error_text(exc)})
    else:
        messages.success(request, _("Recorded: %(name)s receives alerts again.") % {"name": member.full_name})
    return redirect("staff:member_list", pk=member.group_id)
