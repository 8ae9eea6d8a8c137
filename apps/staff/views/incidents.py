"""Incident pages of the desk: list, record, detail with relay and police feedback, attachments,
and the user's own settings for receiving alerts.

Objects come only from ``incidents_for`` (the rest is a 404); changes go through the services.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.groups.permissions import roles
from apps.incidents import profiling, services
from apps.incidents.forms import DeliveryPreferenceForm, FeedbackForm, IncidentForm, ProfilingTermForm
from apps.incidents.models import Incident, IncidentAttachment, ProfilingTerm
from apps.incidents.permissions import (
    can_close,
    incidents_for,
    reporting_groups,
    reporting_municipality_ids,
    word_list_municipalities,
)
from apps.incidents.reach import reach_of
from apps.incidents.viewed import attachment_viewed, incident_viewed, incidents_listed
from apps.messaging.models import DeliveryPreference
from apps.municipalities.models import Municipality
from apps.relays import services as relay_services
from apps.relays.models import Relay

from .. import maps
from .common import add_errors, paginate, render, staff_view


def _may_report(user) -> bool:
    r = roles(user)
    return r["admin"] or r["coordinator"] or r["police"] or r["superuser"]


# The radius offered first for an incident with a point but outside every group's area.
DEFAULT_RADIUS_M = 3000
# How many group areas the place map shows as context.
MAP_AREAS = 40


def _numbers(user) -> list[Municipality]:
    """The police numbers shown above the form: of every municipality the user reports in."""
    return list(Municipality.objects.filter(id__in=reporting_municipality_ids(user)).order_by("name")[:20])


@staff_view
def incident_list(request):
    incidents = incidents_for(request.user).select_related("municipality", "group").order_by("-occurred_at", "-id")
    status = request.GET.get("status")
    if status in Incident.Status.values:
        incidents = incidents.filter(status=status)
    page = paginate(request, incidents)
    incidents_listed(request.user, page.object_list, via="desk")
    return render(
        request,
        "incidents/incident_list.html",
        {
            "page": page,
            "may_report": _may_report(request.user),
            "status": status,
            "keeps_word_list": word_list_municipalities(request.user).exists(),
        },
    )


@staff_view
def incident_create(request):
    if not _may_report(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = IncidentForm(request.POST, user=request.user)
        try:
            incident = services.save_incident(actor=request.user, form=form)
        except ValidationError:
            pass  # the form holds the messages
        else:
            messages.success(request, _("The incident was recorded. You can relay it now."))
            return redirect("incidents:detail", pk=incident.pk)
        messages.error(request, _("The incident was not recorded. Correct the fields marked below."))
    else:
        initial = {"occurred_at": timezone.localtime().replace(second=0, microsecond=0)}
        groups = list(reporting_groups(request.user).order_by("name")[:2])
        if len(groups) == 1 and roles(request.user)["admin"]:
            # An admin of one group reports in it; without a place, the incident lies in its area.
            initial["group"] = groups[0].pk
        form = IncidentForm(user=request.user, initial=initial)
    return render(
        request,
        "incidents/incident_form.html",
        {"form": form, "numbers": _numbers(request.user), "map_data": _place_map(request.user)},
    )


def _place_map(user) -> dict:
    """The areas of the user's groups, as context on the map where the pin is put."""
    groups = reporting_groups(user).select_related("area").order_by("name")[:MAP_AREAS]
    return maps.collection(maps.area_feature(g.area.geometry, g.name, "group") for g in groups)


def _relay_step(request, incident: Incident) -> dict | None:
    """Who the relay reaches by default (the neighbouring areas when the incident lies in one,
    else a radius around its point), so that sending is one step from the incident's page."""
    if incident.status != Incident.Status.OPEN:
        return None
    if incident.area_id:
        query = {"scope": Relay.Scope.NEIGHBOURS}
    elif incident.has_point:
        query = {"scope": Relay.Scope.RADIUS, "radius_m": min(DEFAULT_RADIUS_M, reach_of(request.user).radius_m)}
    else:
        return {"error": _("This incident has no place: it cannot be relayed.")}
    try:
        plan = relay_services.preview(
            incident, scope=query["scope"], radius_m=query.get("radius_m"), sender=request.user
        )
    except ValidationError as exc:
        return {"error": " ".join(exc.messages)}
    return {
        "plan": plan,
        "url": reverse("relays:preview", args=[incident.pk]) + "?" + urlencode(query),
    }


def _detail(request, incident: Incident, feedback_form=None, status: int = 200):
    incident_viewed(request.user, incident, via="desk")
    features = []
    if incident.area_id:
        features.append(maps.area_feature(incident.area.geometry, incident.area.name, "group"))
    if incident.has_point:
        features.append(maps.point_feature(incident.lon, incident.lat, _("Where it happened"), "applicant"))
    return render(
        request,
        "incidents/incident_detail.html",
        {
            "incident": incident,
            "person": [(k, v) for k, v in incident.person().items() if v],
            "map_data": maps.collection(features) if features else None,
            "relays": incident.relays.select_related("created_by").order_by("-created_at")[:20],
            "can_close": can_close(request.user, incident) and incident.status == Incident.Status.OPEN,
            "feedback_form": feedback_form or FeedbackForm(),
            "relay_url": reverse("relays:preview", args=[incident.pk]),
            "relay_step": _relay_step(request, incident),
            "radius_cap": reach_of(request.user).radius_m,
            "radius_default": min(DEFAULT_RADIUS_M, reach_of(request.user).radius_m),
            "attachments": incident.attachments.order_by("created_at", "id"),
        },
        status=status,
    )


@staff_view
def incident_detail(request, pk: int):
    incident = get_object_or_404(
        incidents_for(request.user).select_related("municipality", "group", "area", "reported_by"), pk=pk
    )
    return _detail(request, incident)


@require_POST
@staff_view
def incident_feedback(request, pk: int):
    incident = get_object_or_404(
        incidents_for(request.user).select_related("municipality", "group", "area", "reported_by"), pk=pk
    )
    if not can_close(request.user, incident):
        raise PermissionDenied
    form = FeedbackForm(request.POST)
    if form.is_valid():
        try:
            services.give_feedback(
                actor=request.user,
                incident=incident,
                feedback=form.cleaned_data["feedback"],
                close=form.cleaned_data["close"],
            )
        except ValidationError as exc:
            add_errors(form, exc, None)
        else:
            messages.success(request, _("Your feedback was saved; the group's admins are told."))
            return redirect("incidents:detail", pk=incident.pk)
    return _detail(request, incident, form, status=400)


@require_POST
@staff_view
def attachment_upload(request, pk: int):
    incident = get_object_or_404(incidents_for(request.user), pk=pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to attach."))
        return redirect("incidents:detail", pk=incident.pk)
    try:
        services.add_attachment(actor=request.user, incident=incident, upload=upload)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("incidents:detail", pk=incident.pk)
    messages.success(request, _("The file was attached."))
    return redirect("incidents:detail", pk=incident.pk)


@staff_view
def attachment_file(request, pk: int):
    attachment = get_object_or_404(
        IncidentAttachment.objects.filter(incident__in=incidents_for(request.user)).select_related("incident"), pk=pk
    )
    attachment_viewed(request.user, attachment, via="desk")
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = (
        f'inline; filename="attachment-{attachment.pk}.{attachment.file.name.rsplit(".", 1)[-1]}"'
    )
    return response


@staff_view
def delivery_preference(request):
    """The user's own channels for alerts, WhatsApp opt-in and quiet hours."""
    preference = DeliveryPreference.objects.filter(user=request.user).first()
    initial = {"channels": "whatsapp,sms,email"}
    if preference is not None:
        initial = {
            "channels": preference.channels,
            "whatsapp_opt_in": preference.whatsapp_opt_in,
            "quiet_start": preference.quiet_start,
            "quiet_end": preference.quiet_end,
        }
    if request.method == "POST":
        form = DeliveryPreferenceForm(request.POST)
        if form.is_valid():
            DeliveryPreference.objects.update_or_create(user=request.user, defaults=form.cleaned_data)
            messages.success(request, _("Your settings were saved."))
            return redirect("incidents:delivery_preference")
    else:
        form = DeliveryPreferenceForm(initial=initial)
    return render(request, "incidents/delivery_preference.html", {"form": form, "phone": request.user.phone})


@staff_view
def profiling_words(request):
    """The words a coordinator's municipality adds to the built-in list of words for origin,
    ethnicity or religion that reports are checked for."""
    municipalities = list(word_list_municipalities(request.user).order_by("name"))
    if not municipalities:
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        form = ProfilingTermForm(request.POST, municipalities=word_list_municipalities(request.user))
        if form.is_valid():
            try:
                word = services.add_profiling_term(
                    actor=request.user, municipality=form.cleaned_data["municipality"], term=form.cleaned_data["term"]
                )
            except ValidationError as exc:
                add_errors(form, exc, "term")
            else:
                messages.success(request, _("“%(word)s” was added to the list.") % {"word": word.term})
                return redirect("incidents:profiling_words")
        status = 400
    else:
        form = ProfilingTermForm(municipalities=word_list_municipalities(request.user).order_by("name"))
    words = ProfilingTerm.objects.filter(municipality__in=municipalities).select_related("municipality")
    lists = [(m, [w for w in words if w.municipality_id == m.pk]) for m in municipalities]
    return render(
        request,
        "incidents/profiling_words.html",
        {"form": form, "lists": lists, "builtin": sorted(profiling.TERMS.items())},
        status=status,
    )


@require_POST
@staff_view
def profiling_word_remove(request, pk: int):
    word = get_object_or_404(
        ProfilingTerm.objects.filter(municipality__in=word_list_municipalities(request.user)), pk=pk
    )
    services.remove_profiling_term(actor=request.user, word=word)
    messages.success(request, _("“%(word)s” was removed from the list.") % {"word": word.term})
    return redirect("incidents:profiling_words")
