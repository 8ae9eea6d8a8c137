"""The broadcast pages: police and coordinators write one message to the group admins of a
municipality, a police zone or an area drawn on the map, and if they choose so to the members
there who asked for alerts; then they follow what became of each message.

A broadcast goes out once: the preview gives the form a one-time key, so the same form sent
twice (a double click, back and send again) answers the broadcast it made, and the same message
of the same sender within a minute does too (``apps.relays.broadcasts``, ADR 0025)."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from apps.groups.models import Group
from apps.groups.permissions import roles
from apps.messaging.models import OutgoingMessage
from apps.relays.broadcasts import (
    RequestKeyReused,
    admin_rows,
    broadcasts_for,
    delivery_summary,
    member_states,
    plan_broadcast,
    reach_municipality_ids,
    signature,
    submit_broadcast,
)
from apps.relays.forms import BroadcastForm

from .. import maps
from .common import add_errors, render, staff_view

# More groups than this in reach (a superuser, a large zone): the map shows none of them, the
# drawing still works, and the service still decides which groups the area touches.
MAP_GROUPS = 300
# Earlier broadcasts listed under the form.
RECENT = 10


def _may_broadcast(user) -> bool:
    user_roles = roles(user)
    return user_roles["police"] or user_roles["coordinator"] or user_roles["superuser"]


@staff_view
def broadcast_create(request):
    """Police and coordinators: one message to every admin of a municipality, a police zone or an
    area drawn on the map, and if they choose so to the members there who asked for alerts.

    The first POST shows how many admins and members the message would reach (counts only: no
    resident's name or number); the POST with "send" sends it."""
    if not _may_broadcast(request.user):
        raise Http404
    sent = preview = request_key = None
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
                    outcome = submit_broadcast(
                        actor=request.user,
                        urgency=data["urgency"],
                        subject=data["subject"],
                        text=data["text"],
                        audience=data["audience"],
                        request_key=f"desk:{data['request_key']}" if data["request_key"] else "",
                        **scope,
                    )
                    sent = outcome.broadcast
                else:
                    plan = plan_broadcast(request.user, urgency=data["urgency"], audience=data["audience"], **scope)
                    if not plan.admins:
                        raise ValidationError(_("No group admins in this scope."))
                    preview = plan.counts
                    request_key = secrets.token_urlsafe(24)
            except RequestKeyReused:
                form.add_error(
                    None, _("This form was already sent with another message. Check it again before you send.")
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                if sent is not None and outcome.repeat:
                    messages.warning(request, already_sent(sent))
                elif sent is not None:
                    counts = sent.recipients.values("kind").annotate(n=Count("id"))
                    n = {row["kind"]: row["n"] for row in counts}
                    messages.success(
                        request,
                        _("The message was queued for %(admins)s admins and %(members)s members.")
                        % {"admins": n.get("admin", 0), "members": n.get("member", 0)},
                    )
                if sent is not None:
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
            "request_key": request_key,
            **(_result(sent) if sent else {}),
            "recent": _recent(request.user),
            "map_data": maps.collection(_reach_features(request.user)),
        },
    )


@staff_view
def broadcast_detail(request, pk: int):
    """What became of one broadcast: each admin's message and the members' as counts, with the
    messages that may have arrived twice. Its sender, and whoever may send to its zone or
    municipality, may look; anyone else gets a 404."""
    broadcast = get_object_or_404(broadcasts_for(request.user), pk=pk)
    return render(request, "relays/broadcast_detail.html", {"sent": broadcast, **_result(broadcast)})


def already_sent(broadcast) -> str:
    """The notice for a broadcast asked for again: when it went out, and that it did not again."""
    when = formats.date_format(timezone.localtime(broadcast.created_at), "j F Y, H:i:s")
    return _("This message was already sent on %(when)s. It was not sent again.") % {"when": when}


def _result(broadcast) -> dict:
    """The context of the sent-message section (``relays/_broadcast_result.html``)."""
    recipients = admin_rows(broadcast)
    counts, member_repeats = member_states(broadcast)
    return {
        "sender": signature(broadcast),
        "recipients": recipients,
        "member_counts": _member_count_rows(counts),
        "possible_repeats": member_repeats + sum(1 for r in recipients if r["possible_repeat"]),
    }


def _recent(user) -> list[dict]:
    """The broadcasts the user may look at, newest first, each with its delivery in words."""
    labels = _status_labels()
    rows = []
    for broadcast in broadcasts_for(user)[:RECENT]:
        summary = delivery_summary(broadcast)
        states = [(labels[s], summary["counts"][s]) for s in labels if summary["counts"].get(s)]
        rows.append({"broadcast": broadcast, "states": states, **summary})
    return rows


def _status_labels() -> dict[str, str]:
    """The label of each delivery status, in the order a message goes through them."""
    labels = dict(OutgoingMessage.Status.choices)
    labels["no_channel"] = _("no channel")
    return labels


def _member_count_rows(counts: dict[str, int]) -> list[tuple[str, int]]:
    """Counts per delivery status with their labels, in the order a message goes through."""
    return [(label, counts[status]) for status, label in _status_labels().items() if counts.get(status)]


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
