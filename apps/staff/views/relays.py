"""Relaying an incident from the desk: the preview (who, on a map) before sending, sending, and
the sender's view of who got it and who acknowledged; a group admin's red relay waits there for a
coordinator or the police, who approve it, lower it to green or refuse it (``services.decide``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.incidents import profiling, reach
from apps.incidents.permissions import incidents_for
from apps.incidents.viewed import incident_viewed, relay_viewed
from apps.relays import services
from apps.relays.forms import RelayForm
from apps.relays.models import Relay
from apps.relays.permissions import relays_for

from .. import maps
from .common import error_text, render, staff_view


def _incident(request, pk):
    return get_object_or_404(incidents_for(request.user).select_related("municipality", "area", "group"), pk=pk)


def _preview_page(request, incident, plan, *, note: str = "", note_errors=(), note_words=(), status: int = 200):
    incident_viewed(request.user, incident, via="relay_preview")
    form = RelayForm(initial={"urgency": plan.urgency})
    features = [maps.area_feature(g.area.geometry, f"{g.name} ({g.municipality.name})", "group") for g in plan.groups]
    if incident.has_point:
        features.append(maps.point_feature(incident.lon, incident.lat, _("Where it happened"), "applicant"))
    return render(
        request,
        "relays/relay_preview.html",
        {
            "incident": incident,
            "plan": plan,
            "map_data": maps.collection(features),
            "note": note,
            "note_errors": list(note_errors),
            "note_words": list(note_words),
            "urgency_field": form["urgency"],
            "sends_red": reach.may_decide(request.user, incident.municipality_id),
        },
        status=status,
    )


@staff_view
def relay_preview(request, pk: int):
    incident = _incident(request, pk)
    try:
        arguments = RelayForm(request.GET).service_arguments()
        plan = services.preview(
            incident,
            scope=arguments["scope"],
            radius_m=arguments["radius_m"],
            sender=request.user,
            urgency=arguments["urgency"],
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("incidents:detail", pk=incident.pk)
    return _preview_page(request, incident, plan)


@require_POST
@staff_view
def relay_send(request, pk: int):
    incident = _incident(request, pk)
    form = RelayForm(request.POST)
    try:
        relay = services.send(actor=request.user, incident=incident, **form.service_arguments())
    except ValidationError as exc:
        note_errors = getattr(exc, "error_dict", {}).get("note")
        if note_errors and form.is_valid():
            # Words to reconsider in the note: the same page again, with what was typed, the
            # reason, and the box to keep the words knowingly.
            arguments = form.cleaned_data
            plan = services.preview(
                incident,
                scope=arguments["scope"],
                radius_m=arguments["radius_m"],
                sender=request.user,
                urgency=arguments["urgency"],
            )
            return _preview_page(
                request,
                incident,
                plan,
                note=arguments["note"],
                note_errors=[m for e in note_errors for m in e.messages],
                note_words=profiling.find_for(incident.municipality, [arguments["note"]]),
                status=400,
            )
        messages.error(request, error_text(exc))
        return redirect("incidents:detail", pk=incident.pk)
    except PermissionDenied:
        raise Http404 from None
    if relay.status == Relay.Status.HELD:
        messages.info(
            request,
            _(
                "Red goes out only with the approval of a coordinator of the municipality or the police of the "
                "zone. Your relay waits for them; nothing was sent yet."
            ),
        )
    else:
        messages.success(request, _("The incident was relayed."))
    return redirect("relays:detail", pk=relay.pk)


@staff_view
def relay_detail(request, pk: int):
    relay = get_object_or_404(relays_for(request.user).select_related("incident", "created_by"), pk=pk)
    rows = services.status_rows(relay)
    relay_viewed(request.user, relay, via="desk")
    return render(
        request,
        "relays/relay_detail.html",
        {
            "relay": relay,
            "rows": rows,
            "acknowledged": sum(1 for r in rows if r["acknowledged_at"]),
            "sender": relay.sender_text,
            "may_decide": relay.status == Relay.Status.HELD
            and reach.may_decide(request.user, relay.incident.municipality_id),
        },
    )


@require_POST
@staff_view
def relay_decide(request, pk: int):
    """Approve, lower to green or refuse a held red relay (its coordinators, police, operators)."""
    relay = get_object_or_404(relays_for(request.user).select_related("incident"), pk=pk)
    try:
        relay = services.decide(actor=request.user, relay=relay, decision=request.POST.get("decision", ""))
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("relays:detail", pk=relay.pk)
    done = {
        Relay.Status.APPROVED: _("The relay was approved and sent red."),
        Relay.Status.LOWERED: _("The relay was sent green."),
        Relay.Status.REFUSED: _("The relay was refused; nothing was sent."),
    }
    messages.success(request, done[relay.status])
    return redirect("relays:detail", pk=relay.pk)


@staff_view
def relay_waiting(request):
    """The red relays waiting for the user's decision."""
    held = (
        services.held_relays_for(request.user)
        .select_related("incident", "incident__municipality")
        .order_by("created_at", "id")
    )
    return render(request, "relays/relay_waiting.html", {"held": held, "page_of_its_own": True})
