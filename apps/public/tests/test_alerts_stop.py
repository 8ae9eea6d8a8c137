"""The stop link in every alert a member receives: a button first, the POST stops the alerts
once and cancels what still waits, a wrong link says so. Nothing changes without the POST."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.messaging import services as messaging
from apps.messaging.models import OutgoingMessage
from apps.relays.tests.helpers import NIGHT, member_messages, opted_in, send, stop_key
from testkit.world import World


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def test_stop_link_get_shows_a_button_and_changes_nothing(client, world: World):
    member = opted_in(world.group_a, 11)
    key = stop_key(member_messages(send(world, urgency="green"))[0])
    page = client.get(reverse("public:alerts_stop", args=[key]))
    assert page.status_code == 200 and "Yes, stop the alerts" in page.content.decode()
    assert page["X-Robots-Tag"].startswith("noindex")
    member.refresh_from_db()
    assert member.receives_alerts
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.MEMBER_ALERTS_OPTED_OUT).exists()


def test_stop_link_post_stops_once_and_cancels_what_waits(client, world: World):
    member = opted_in(world.group_a, 11)
    with time_machine.travel(timezone.make_aware(NIGHT), tick=False):
        [waiting] = member_messages(send(world, urgency="green"))  # held until 07:00
        url = reverse("public:alerts_stop", args=[stop_key(waiting)])
        page = client.post(url)
    assert page.status_code == 200 and "The alerts are stopped" in page.content.decode()
    member.refresh_from_db()
    assert not member.receives_alerts and member.alerts_opt_out_at and member.alerts_opt_out_by is None
    waiting.refresh_from_db()
    assert waiting.status == OutgoingMessage.Status.CANCELLED
    [event] = AuditEvent.objects.filter(action=AuditEvent.Action.MEMBER_ALERTS_OPTED_OUT)
    assert event.actor is None and event.data == {"via": "link"} and event.target_id == str(member.pk)
    # Used again: a clear page, nothing changes, no second event.
    stopped_at = member.alerts_opt_out_at
    again = client.post(url)
    assert again.status_code == 200 and "already stopped" in again.content.decode()
    assert "already stopped" in client.get(url).content.decode()
    member.refresh_from_db()
    assert member.alerts_opt_out_at == stopped_at
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MEMBER_ALERTS_OPTED_OUT).count() == 1
    # The next broadcast does not reach the member.
    assert not member_messages(send(world, urgency="red"))


def test_any_stop_link_works_and_a_sent_message_stays_sent(client, world: World):
    member = opted_in(world.group_a, 11)
    [first] = member_messages(send(world, urgency="red"))
    assert messaging.deliver(first.pk, "w") == "sent"
    [second] = member_messages(send(world, urgency="red", text="Nog een inbraak gemeld."))
    client.post(reverse("public:alerts_stop", args=[stop_key(first)]))
    member.refresh_from_db()
    assert not member.receives_alerts
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "sent" and second.status == "cancelled"


@pytest.mark.parametrize("key", ["wrong", "x" * 43, "x" * 300])
def test_wrong_stop_link_says_so_and_changes_nothing(client, world: World, key):
    member = opted_in(world.group_a, 11)
    [message] = member_messages(send(world, urgency="green"))
    for response in (
        client.get(reverse("public:alerts_stop", args=[key])),
        client.post(reverse("public:alerts_stop", args=[key])),
    ):
        assert response.status_code == 404 and "This link does not work" in response.content.decode()
    member.refresh_from_db()
    message.refresh_from_db()
    assert member.receives_alerts and message.status == "queued"
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.MEMBER_ALERTS_OPTED_OUT).exists()
