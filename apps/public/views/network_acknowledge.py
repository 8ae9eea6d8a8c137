"""A message to the admins' network through the secret link in it, no login needed: the
message, and the button that tells the coordinator it was read. Only the POST acknowledges
(mail scanners open links)."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from apps.network import messages as network_messages
from apps.network.models import NetworkSettings

from .common import private


def _language(request, recipient):
    """The language the message was written in, unless the visitor chose one on the site."""
    if recipient.language and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        return translation.override(recipient.language)
    return contextlib.nullcontext()


def _answer(request, template: str, context: dict, status: int = 200):
    response = private(render(request, template, context, status=status))
    response["Content-Language"] = translation.get_language()
    return response


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def network_message_acknowledge(request, key: str):
    recipient = network_messages.find_by_key(key)
    if recipient is None:
        return _answer(request, "network/acknowledge_gone.html", {"state": "unknown"}, status=404)
    with _language(request, recipient):
        gone = {"state": "expired", "days": network_messages.LINK_DAYS}
        if not network_messages.link_is_valid(recipient):
            return _answer(request, "network/acknowledge_gone.html", gone, status=410)
        admin_message = recipient.admin_message
        done = recipient.acknowledged_at is not None
        just_now = False
        if request.method == "POST":
            try:
                just_now = network_messages.acknowledge(recipient)
            except ValidationError:
                return _answer(request, "network/acknowledge_gone.html", gone, status=410)
            done = True
        row = NetworkSettings.objects.filter(municipality=admin_message.municipality).first()
        context = {
            "admin_message": admin_message,
            "done": done,
            "just_now": just_now,
            "admins_group_link": row.admins_group_link if row else "",
            "expires_at": admin_message.created_at + timedelta(days=network_messages.LINK_DAYS),
        }
        return _answer(request, "network/acknowledge.html", context)
