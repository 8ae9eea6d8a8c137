"""Relay pages: the preview (who, on a map) before sending, the sender's view of who got it
and who acknowledged, and the recipient's public acknowledgement page."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from apps.incidents.permissions import incidents_for
from apps.staff import maps
from apps.staff.views import _add_errors, _draw_locale, _error_text, _render, staff_view

from . import services
from .permissions import relays_for


def _scope_args(data) -> tuple[str, int | None]:
    scope = data.get("scope") or ""
    radius = data.get("radius_m")
    try:
        radius_m = int(radius) if radius not in (None, "") else None
    except ValueError:
        radius_m = -1  # refused with a clear message by the service
    return scope, radius_m


def _incident(request, pk):
    return get_object_or_404(incidents_for(request.user).select_related("municipality", "area", "group"), pk=pk)


@staff_view
def relay_preview(request, pk: int):
    incident = _incident(request, pk)
    scope, radius_m = _scope_args(request.GET)
    try:
        plan = services.preview(incident, scope=scope, radius_m=radius_m, sender=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("incidents:detail", pk=incident.pk)
    features = [maps.area_feature(g.area.geometry, f"{g.name} ({g.municipality.name})", "group") for g in plan.groups]
    if incident.has_point:
        features.append(maps.point_feature(incident.lon, incident.lat, _("Where it happened"), "applicant"))
    return _render(
        request,
        "relays/relay_preview.html",
        {"incident": incident, "plan": plan, "map_data": maps.collection(features)},
    )


@require_POST
@staff_view
def relay_send(request, pk: int):
    incident = _incident(request, pk)
    scope, radius_m = _scope_args(request.POST)
    try:
        relay = services.send(
            actor=request.user, incident=incident, scope=scope, radius_m=radius_m, note=request.POST.get("note", "")
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("incidents:detail", pk=incident.pk)
    except PermissionDenied:
        raise Http404 from None
    messages.success(request, _("The incident was relayed."))
    return redirect("relays:detail", pk=relay.pk)


@staff_view
def relay_detail(request, pk: int):
    relay = get_object_or_404(relays_for(request.user).select_related("incident", "created_by"), pk=pk)
    rows = services.status_rows(relay)
    return _render(
        request,
        "relays/relay_detail.html",
        {
            "relay": relay,
            "rows": rows,
            "acknowledged": sum(1 for r in rows if r["acknowledged_at"]),
        },
    )


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def acknowledge(request, key: str):
    """Opening the link shows a button; only the POST acknowledges, because mail scanners open links."""
    recipient = services.find_by_key(key)
    if recipient is None:
        raise Http404
    done = recipient.acknowledged_at is not None
    if request.method == "POST":
        services.acknowledge(recipient)
        done = True
    response = render(
        request,
        "relays/acknowledge.html",
        {"recipient": recipient, "incident": recipient.relay.incident, "done": done},
    )
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


@staff_view
def broadcast_create(request):
    """Police and coordinators: one message to every admin of a municipality, a police zone or an
    area drawn on the map, and if they choose so to the members there who asked for alerts.

    The first POST shows how many admins and members the message would reach (counts only: no
    resident's name or number); the POST with "send" sends it."""
    from apps.accounts.permissions import roles

    from .broadcasts import admin_rows, member_counts, plan_broadcast, send_broadcast
    from .forms import BroadcastForm

    user_roles = roles(request.user)
    if not (user_roles["police"] or user_roles["coordinator"] or user_roles["superuser"]):
        raise Http404
    sent = preview = None
    if request.method == "POST":
        form = BroadcastForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            scope = {
                "municipality_id": data["municipality"].pk if data["municipality"] else None,
                "zone_id": data["zone"].pk if data["zone"] else None,
                "geometry": data["geometry"],
            }
            try:
                if "send" in request.POST:
                    sent = send_broadcast(
                        actor=request.user,
                        urgency=data["urgency"],
                        subject=data["subject"],
                        text=data["text"],
                        audience=data["audience"],
                        **scope,
                    )
                else:
                    plan = plan_broadcast(request.user, urgency=data["urgency"], audience=data["audience"], **scope)
                    if not plan.admins:
                        raise ValidationError(_("No group admins in this scope."))
                    preview = plan.counts
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                if sent is not None:
                    counts = sent.recipients.values("kind").annotate(n=Count("id"))
                    n = {row["kind"]: row["n"] for row in counts}
                    messages.success(
                        request,
                        _("The message was queued for %(admins)s admins and %(members)s members.")
                        % {"admins": n.get("admin", 0), "members": n.get("member", 0)},
                    )
                    form = BroadcastForm(user=request.user)
    else:
        form = BroadcastForm(user=request.user)
    return _render(
        request,
        "relays/broadcast_form.html",
        {
            "form": form,
            "sent": sent,
            "preview": preview,
            "recipients": admin_rows(sent) if sent else [],
            "member_counts": _member_count_rows(member_counts(sent)) if sent else [],
            "map_data": maps.collection(_reach_features(request.user)),
            "draw_locale": _draw_locale(),
        },
    )


def _member_count_rows(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Counts per delivery status with their labels, in the order a message goes through."""
    from apps.messaging.models import OutgoingMessage

    labels = dict(OutgoingMessage.Status.choices)
    labels["no_channel"] = _("no channel")
    order = [*OutgoingMessage.Status.values, "no_channel"]
    return [(labels[status], counts[status]) for status in order if counts.get(status)]


# More groups than this in reach (a superuser, a large zone): the map shows none of them, the
# drawing still works, and the service still decides which groups the area touches.
MAP_GROUPS = 300


def _reach_features(user) -> list[dict]:
    """The areas of the groups the sender can reach, as context for drawing."""
    from apps.groups.models import Group

    from .broadcasts import reach_municipality_ids

    reach = reach_municipality_ids(user)
    if reach is None:
        return []
    groups = (
        Group.objects.exclude(status=Group.Status.CLOSED)
        .filter(municipality_id__in=reach)
        .select_related("area", "municipality")
        .order_by("municipality__name", "name")
    )
    found = list(groups[: MAP_GROUPS + 1])
    if len(found) > MAP_GROUPS:
        return []
    return [maps.area_feature(g.area.geometry, f"{g.name} ({g.municipality.name})", "group") for g in found]
