"""The broadcast page: police and coordinators write one message to the group admins of a
municipality, a police zone or an area drawn on the map, and if they choose so to the members
there who asked for alerts."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.utils.translation import gettext as _

from apps.groups.models import Group
from apps.groups.permissions import roles
from apps.messaging.models import OutgoingMessage
from apps.relays.broadcasts import admin_rows, member_counts, plan_broadcast, reach_municipality_ids, send_broadcast
from apps.relays.forms import BroadcastForm

from .. import maps
from .common import add_errors, render, staff_view

# More groups than this in reach (a superuser, a large zone): the map shows none of them, the
# drawing still works, and the service still decides which groups the area touches.
MAP_GROUPS = 300


@staff_view
def broadcast_create(request):
    """Police and coordinators: one message to every admin of a municipality, a police zone or an
    area drawn on the map, and if they choose so to the members there who asked for alerts.

    The first POST shows how many admins and members the message would reach (counts only: no
    resident's name or number); the POST with "send" sends it."""
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
                add_errors(form, exc)
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
    return render(
        request,
        "relays/broadcast_form.html",
        {
            "form": form,
            "sent": sent,
            "preview": preview,
            "recipients": admin_rows(sent) if sent else [],
            "member_counts": _member_count_rows(member_counts(sent)) if sent else [],
            "map_data": maps.collection(_reach_features(request.user)),
        },
    )


def _member_count_rows(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Counts per delivery status with their labels, in the order a message goes through."""
    labels = dict(OutgoingMessage.Status.choices)
    labels["no_channel"] = _("no channel")
    order = [*OutgoingMessage.Status.values, "no_channel"]
    return [(labels[status], counts[status]) for status in order if counts.get(status)]


def _reach_features(user) -> list[dict]:
    """The areas of the groups the sender can reach, as context for drawing."""
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
