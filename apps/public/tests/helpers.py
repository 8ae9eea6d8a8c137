"""Helpers for the public pages' tests: proof that a refused form stored nothing, the JSON a
page embeds, and a submitted application."""

from __future__ import annotations

import contextlib
import json
import re

from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext, override

from apps.applications.models import Application
from apps.groups.models import GroupRequest
from apps.members.models import Member
from apps.messaging.models import OutgoingMessage
from testkit.world import application_data


def _counts() -> dict:
    return {
        "applications": Application.objects.count(),
        "messages": OutgoingMessage.objects.count(),
        "group_requests": GroupRequest.objects.count(),
        "members": Member.objects.count(),
    }


@contextlib.contextmanager
def nothing_stored():
    """Fails when the block stored an application, a message, a group request or a member."""
    before = _counts()
    yield
    assert _counts() == before


def embedded_json(html: str, element_id: str):
    match = re.search(rf'<script id="{re.escape(element_id)}" type="application/json">(.*?)</script>', html, re.S)
    assert match, f"no JSON script #{element_id} in the page"
    return json.loads(match.group(1))


def apply_url(group) -> str:
    return reverse("public:apply", args=[group.slug])


def submit_application(client, group, address: dict | None = None, **overrides):
    """POST a valid application through the page; returns the response."""
    return client.post(apply_url(group), application_data(address, **overrides))


def latest_status_key(client) -> str:
    """The access key of the application just sent, read from the thank-you page's link."""
    html = client.get(reverse("public:application_sent")).content.decode()
    match = re.search(r'href="/aanmelding/([A-Za-z0-9_-]{20,})/"', html)
    assert match, "no status link on the thank-you page"
    return match.group(1)


def says(html: str, msgid: str, **params) -> bool:
    """Whether the page shows this message in Dutch (the default language), filled in with
    ``params``, whether the template wrote it as it is or escaped it."""
    with override("nl"):
        text = gettext(msgid)
    if params:
        text = text % params
    return text in html or str(escape(text)) in html
