"""Bringing an existing group's members in: upload a member list, map its columns, look at the
preview, invite; and follow each invited person (``apps.enrolments``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.enrolments.checks import REASONS
from apps.enrolments.forms import MappingForm, UploadForm
from apps.enrolments.models import Enrolment, EnrolmentImport
from apps.enrolments.permissions import enrolments_for, imports_for
from apps.enrolments.services import cancel_import, check_import, invite, start_import
from apps.groups.permissions import managed_groups

from .common import add_errors, error_text, paginate, render, staff_view


def _import(request, pk) -> EnrolmentImport:
    return get_object_or_404(imports_for(request.user).select_related("group", "group__municipality"), pk=pk)


def _reasons(bad: list[dict]) -> list[dict]:
    return [
        {"line": b["line"], "reasons": "; ".join(_(REASONS[code]) % params for code, params in b["reasons"])}
        for b in bad
    ]


@staff_view
@require_http_methods(["GET", "POST"])
def enrolment_upload(request, pk):
    group = get_object_or_404(managed_groups(request.user).select_related("municipality"), pk=pk)
    form = UploadForm()
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                imp = start_import(group, form.cleaned_data["file"], actor=request.user)
            except ValidationError as exc:
                add_errors(form, exc, "file")
            else:
                return redirect("staff:enrolment_mapping", pk=imp.pk)
    enrolments = enrolments_for(request.user).filter(group=group)
    found = dict(enrolments.order_by().values_list("status").annotate(n=Count("pk")))
    page = paginate(request, enrolments.select_related("member").order_by("-invited_at", "line"))
    if page.object_list:
        record(
            request.user,
            AuditEvent.Action.ENROLMENTS_VIEWED,
            group,
            group_id=group.pk,
            municipality_id=group.municipality_id,
            count=len(page.object_list),
        )
    return render(
        request,
        "staff/enrolment_upload.html",
        {
            "group": group,
            "form": form,
            "page": page,
            "counts": [(label, found.get(value, 0)) for value, label in Enrolment.Status.choices],
            "imports": imports_for(request.user).filter(group=group)[:10],
        },
        status=400 if form.errors else 200,
    )


@staff_view
@require_http_methods(["GET", "POST"])
def enrolment_mapping(request, pk):
    imp = _import(request, pk)
    if imp.status not in (EnrolmentImport.Status.UPLOADED, EnrolmentImport.Status.CHECKED):
        return redirect("staff:enrolment_preview", pk=imp.pk)
    initial = {k: str(v) for k, v in imp.mapping.items()}
    form = MappingForm(headers=imp.headers, initial=initial)
    if request.method == "POST":
        form = MappingForm(request.POST, headers=imp.headers)
        if form.is_valid():
            try:
                check_import(imp, form.mapping(), actor=request.user)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                return redirect("staff:enrolment_preview", pk=imp.pk)
    return render(
        request,
        "staff/enrolment_mapping.html",
        {"imp": imp, "group": imp.group, "form": form},
        status=400 if form.errors else 200,
    )


@staff_view
@require_http_methods(["GET", "POST"])
def enrolment_preview(request, pk):
    imp = _import(request, pk)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "invite":
                count = invite(imp, actor=request.user)
                messages.success(
                    request,
                    _("%(count)d people were invited. They become members once they confirm.") % {"count": count},
                )
                return redirect("staff:enrolment_upload", pk=imp.group_id)
            if action == "cancel":
                cancel_import(imp, actor=request.user)
                messages.info(request, _("The import was cancelled and the file removed. Nobody was invited."))
                return redirect("staff:enrolment_upload", pk=imp.group_id)
        except ValidationError as exc:
            messages.error(request, _("Nothing was sent: %(reason)s") % {"reason": error_text(exc)})
        imp.refresh_from_db()
    if imp.status == EnrolmentImport.Status.UPLOADED:
        return redirect("staff:enrolment_mapping", pk=imp.pk)
    summary = imp.summary or {}
    return render(
        request,
        "staff/enrolment_preview.html",
        {
            "imp": imp,
            "group": imp.group,
            "good": summary.get("good", 0),
            "bad": _reasons(summary.get("bad", [])),
            "sample": summary.get("sample", []),
            "free": max(imp.group.capacity - imp.group.members.current().count(), 0),
        },
    )
