"""Stopping the alerts: the personal link in every alert a member receives."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.core.actors import PUBLIC
from apps.members.services import Via, stop_alerts
from apps.relays.broadcasts import find_by_stop_key

from .common import private


@never_cache
@require_http_methods(["GET", "POST"])
def alerts_stop(request, key: str):
    """Opening the link shows a button; only the POST stops the alerts, because mail scanners
    open links. A second POST changes nothing; a wrong link says so and changes nothing."""
    recipient = find_by_stop_key(key)
    member = recipient.member if recipient is not None else None
    if member is None:
        return private(render(request, "public/alerts_stop.html", {"state": "invalid"}, status=404))
    if request.method == "POST":
        state = "stopped" if stop_alerts(member, actor=PUBLIC, via=Via.LINK) else "already"
    else:
        state = "ask" if member.receives_alerts else "already"
    context = {"state": state, "key": key, "group": member.group}
    return private(render(request, "public/alerts_stop.html", context))
