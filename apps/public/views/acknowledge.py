"""The acknowledgement of a relayed incident: the secret link in the message a group admin or
the police receive, no account needed."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from apps.relays import services as relays


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def relay_acknowledge(request, key: str):
    """Opening the link shows a button; only the POST acknowledges, because mail scanners open links."""
    recipient = relays.find_by_key(key)
    if recipient is None:
        raise Http404
    done = recipient.acknowledged_at is not None
    if request.method == "POST":
        relays.acknowledge(recipient)
        done = True
    response = render(
        request,
        "relays/acknowledge.html",
        {"recipient": recipient, "incident": recipient.relay.incident, "done": done},
    )
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response
