"""Registrations of existing WhatsApp groups on the desk, for the coordinators of the
municipality (and operators): the list, and a registration's page with its area over the
existing groups' areas, the overlaps, the area to adjust, and the decision
(``apps.groups.registrations``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.phones import display as display_phone
from apps.groups.models import Group, GroupRegistration
from apps.groups.registration_forms import AdjustAreaForm, DecisionForm
from apps.groups.registrations import accept, adjust_area, already_decided, decline, overlaps, registrations_for

from .. import maps
from .common import add_errors, error_text, group_area_feature, paginate, render, staff_view


@staff_view
def group_registration_list(request):
    registrations = (
        registrations_for(request.user)
        .select_related("municipality", "group")
        .annotate(
            rank=Case(
                When(status=GroupRegistration.Status.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("rank", "-created_at", "-pk")
    )
    return render(request, "staff/group_registration_list.html", {"page": paginate(request, registrations)})


@staff_view
@require_http_methods(["GET", "HEAD", "POST"])
def group_registration_detail(request, pk):
    registration = get_object_or_404(
        registrations_for(request.user).select_related("municipality", "group", "decided_by", "admin_user"), pk=pk
    )
    is_open = registration.status == GroupRegistration.Status.OPEN
    area_form = AdjustAreaForm(initial={"geometry": ""})
    decision_form = DecisionForm()
    if request.method == "POST":
        if not is_open:
            messages.error(request, already_decided(registration))
            return redirect("staff:group_registration_detail", pk=registration.pk)
        if request.POST.get("action") == "area":
            area_form = AdjustAreaForm(request.POST)
            if area_form.is_valid():
                try:
                    adjust_area(
                        actor=request.user, registration=registration, geometry=area_form.cleaned_data["geometry"]
                    )
                except ValidationError as exc:
                    add_errors(area_form, exc)
                else:
                    messages.success(request, _("The area was adjusted."))
                    return redirect("staff:group_registration_detail", pk=registration.pk)
        else:
            decision_form = DecisionForm(request.POST)
            if decision_form.is_valid():
                data = decision_form.cleaned_data
                try:
                    if data["decision"] == DecisionForm.ACCEPT:
                        accept(actor=request.user, registration=registration)
                    else:
                        decline(actor=request.user, registration=registration, reason=data["reason"])
                except ValidationError as exc:
                    messages.error(request, error_text(exc))
                else:
                    if data["decision"] == DecisionForm.ACCEPT:
                        messages.success(
                            request,
                            _("The group was created and the registrant made its admin; they receive an e-mail."),
                        )
                    else:
                        messages.success(
                            request, _("The registration was declined; the registrant receives an e-mail.")
                        )
                return redirect("staff:group_registration_detail", pk=registration.pk)
    else:
        record(
            request.user,
            AuditEvent.Action.GROUP_REGISTRATION_VIEWED,
            registration,
            municipality_id=registration.municipality_id,
        )
    found = overlaps(registration) if is_open else []
    groups = (
        Group.objects.filter(municipality=registration.municipality)
        .exclude(status=Group.Status.CLOSED)
        .select_related("area")
        .order_by("name")
    )
    features = [group_area_feature(g, "group" if g.status == Group.Status.ACTIVE else "group-forming") for g in groups]
    features.append(maps.area_feature(registration.geometry, registration.group_name, "current"))
    return render(
        request,
        "staff/group_registration_detail.html",
        {
            "registration": registration,
            "phone": display_phone(registration.phone),
            "overlaps": found,
            "area_form": area_form if is_open else None,
            "decision_form": decision_form if is_open else None,
            "map_data": maps.collection(features),
        },
    )
