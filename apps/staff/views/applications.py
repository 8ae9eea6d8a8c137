"""Applications on the desk: the list (waiting ones first), one application with its checks and
the map, approving and rejecting. Every showing of applicants is recorded in the audit trail."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, F, IntegerField, Value, When
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.applications import services as application_services
from apps.applications.checks import checks as application_checks
from apps.applications.models import Application
from apps.applications.permissions import applications_for
from apps.applications.places import position_on_waiting_list
from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.groups.permissions import managed_groups

from .. import forms, maps
from .common import add_errors, error_text, group_area_feature, paginate, query_without_page, render, staff_view


def _record_viewed_per_group(user, action: str, objects) -> None:
    """One audit event per group whose people were shown, naming the ids that were on screen."""
    by_group = defaultdict(list)
    for obj in objects:
        by_group[obj.group].append(obj.pk)
    for group, ids in by_group.items():
        record(user, action, group, group_id=group.pk, municipality_id=group.municipality_id, ids=ids)


@staff_view
def application_list(request):
    user = request.user
    groups = managed_groups(user).order_by("name")
    form = forms.ApplicationFilterForm(request.GET or None, groups=groups)
    applications = applications_for(user).select_related("group", "group__municipality")
    status = form.cleaned_data["status"] if form.is_valid() else ""
    if form.is_valid() and form.cleaned_data["group"]:
        applications = applications.filter(group=form.cleaned_data["group"])
    # The waiting lists apart, in their order (first come, first served), one per group.
    waiting = list(applications.filter(status=Application.Status.WAITING).order_by("group__name", "confirmed_at", "pk"))
    waiting_lists: dict = {}
    for application in waiting:
        waiting_lists.setdefault(application.group, []).append(application)
    if status:
        applications = applications.filter(status=status)
    if status != Application.Status.WAITING:
        applications = applications.exclude(status=Application.Status.WAITING)
    if status:
        # Filtered on a status: the list shows it (the waiting ones too, oldest first).
        waiting, waiting_lists = [], {}
    # Waiting for the admin first, oldest first (they expire); then the rest, newest first.
    applications = applications.annotate(
        rank=Case(
            When(status=Application.Status.CONFIRMED, then=Value(0)),
            When(status=Application.Status.SUBMITTED, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
        open_since=Case(When(status__in=Application.OPEN_STATUSES, then=F("created_at"))),
    ).order_by("rank", F("open_since").asc(nulls_last=True), "-created_at", "-pk")
    page = paginate(request, applications)
    shown = {a.pk: a for a in [*page.object_list, *waiting]}.values()
    _record_viewed_per_group(user, AuditEvent.Action.APPLICATION_VIEWED, shown)
    return render(
        request,
        "staff/application_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "waiting_lists": [{"group": group, "applications": items} for group, items in waiting_lists.items()],
        },
    )


def _application_page(request, application: Application, reject_form=None) -> HttpResponse:
    record(
        request.user,
        AuditEvent.Action.APPLICATION_VIEWED,
        application,
        municipality_id=application.group.municipality_id,
    )
    group = application.group
    features = [
        group_area_feature(group),
        maps.point_feature(application.lon, application.lat, _("Address of the applicant"), "applicant"),
    ]
    return render(
        request,
        "staff/application_detail.html",
        {
            "application": application,
            "group": group,
            "checks": application_checks(application) if application.is_open else [],
            "can_approve": application.status == Application.Status.CONFIRMED,
            "waiting_position": position_on_waiting_list(application),
            "reject_form": reject_form
            or forms.ReasonForm(
                label=_("Reason for rejecting"),
                help_text=_("The applicant receives this reason by e-mail."),
            ),
            "map_data": maps.collection(features),
        },
    )


def _application(request, pk) -> Application:
    return get_object_or_404(
        applications_for(request.user).select_related(
            "group", "group__municipality", "group__area", "decided_by", "house_rules_version"
        ),
        pk=pk,
    )


@staff_view
def application_detail(request, pk):
    return _application_page(request, _application(request, pk))


@staff_view
@require_POST
def application_approve(request, pk):
    application = _application(request, pk)
    try:
        application_services.approve(application, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _("Not approved: %(reason)s") % {"reason": error_text(exc)})
    else:
        if application.group.invite_link:
            messages.success(request, _("Approved. The new member receives the invite link by e-mail."))
        else:
            messages.success(
                request, _("Approved. The new member was told by e-mail that you will add their number in WhatsApp.")
            )
    return redirect("staff:application_detail", pk=application.pk)


@staff_view
@require_POST
def application_reject(request, pk):
    application = _application(request, pk)
    form = forms.ReasonForm(
        request.POST, label=_("Reason for rejecting"), help_text=_("The applicant receives this reason by e-mail.")
    )
    if form.is_valid():
        try:
            application_services.reject(application, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                messages.error(request, _("Not rejected: %(reason)s") % {"reason": error_text(exc)})
                return redirect("staff:application_detail", pk=application.pk)
            add_errors(form, exc)
        else:
            messages.success(request, _("Rejected. The applicant receives your reason by e-mail."))
            return redirect("staff:application_detail", pk=application.pk)
    messages.error(request, _("Not rejected: give the applicant a reason."))
    return _application_page(request, application, reject_form=form)
