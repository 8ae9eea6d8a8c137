"""Broadcasts: police and coordinators to every admin in scope; red now, green after quiet hours."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from apps.messaging.models import OutgoingMessage
from apps.relays.models import Broadcast
from testkit.world import World, box

from .utils import bearer

URL = "/api/v1/broadcasts"
NIGHT = dt.datetime(2026, 11, 21, 23, 30)


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def post(client, user, **payload):
    body = {"urgency": "red", "subject": "Inbraakgolf", "text": "Let op: inbraken in de buurt.", **payload}
    return client.post(URL, body, content_type="application/json", headers=bearer(user))


def test_police_red_to_the_zone_goes_now_even_at_night(client, world: World):
    with time_machine.travel(timezone.make_aware(NIGHT), tick=False):
        response = post(client, world.police, zone_id=world.zone.pk)
        assert response.status_code == 201, response.content
        names = sorted(r["name"] for r in response.json()["recipients"])
        assert names == ["Admin_A", "Admin_B", "Co_Admin_A"]  # co-admins are admins too
        for message in OutgoingMessage.objects.filter(topic="broadcast.red"):
            assert message.next_attempt_at == timezone.now()


def test_coordinator_green_waits_for_quiet_hours_and_goes_by_email(client, world: World):
    with time_machine.travel(timezone.make_aware(NIGHT), tick=False):
        response = post(client, world.coordinator, urgency="green", municipality_id=world.testdorp.pk)
        assert response.status_code == 201
    messages = OutgoingMessage.objects.filter(topic="broadcast.green")
    # One per admin of Testdorp's groups: admin and co-admin of A, admin of B.
    assert messages.count() == 3 and {m.channel for m in messages} == {"email"}
    assert {m.recipient for m in messages} == {u.email for u in (world.admin_a, world.co_admin_a, world.admin_b)}
    assert all(timezone.localtime(m.next_attempt_at).time() == dt.time(7, 0) for m in messages)


def test_drawn_area_reaches_only_groups_it_touches(client, world: World):
    response = post(client, world.coordinator, area=box(5.305, 50.752, 5.315, 50.758))  # inside Noord only
    assert response.status_code == 201
    admins_of_a = sorted(role.user.display_name for role in world.group_a.admin_roles.select_related("user"))
    assert admins_of_a == ["Admin_A", "Co_Admin_A"]
    assert sorted(r["name"] for r in response.json()["recipients"]) == admins_of_a


@pytest.mark.parametrize(
    ("who", "scope", "status"),
    [
        ("admin_a", "testdorp", 403),  # admins do not broadcast
        ("coordinator_nl", "testdorp", 400),  # not their municipality
        ("police", "grensstad", 400),  # not their zone's municipality
    ],
)
def test_out_of_reach_is_refused_and_nothing_is_sent(client, world: World, who, scope, status):
    response = post(client, getattr(world, who), municipality_id=getattr(world, scope).pk)
    assert response.status_code == status
    assert not Broadcast.objects.exists() and not OutgoingMessage.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"urgency": "orange"}, "urgency"),
        ({"text": ""}, "text"),
        ({"area": {"type": "Point", "coordinates": [5.3, 50.7]}}, "area"),
    ],
)
def test_bad_input_is_refused(client, world: World, payload, field):
    response = post(client, world.coordinator, **payload)
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not Broadcast.objects.exists()


def test_exactly_one_scope(client, world: World):
    response = post(client, world.police, zone_id=world.zone.pk, municipality_id=world.testdorp.pk)
    assert response.status_code == 400 and "__all__" in response.json()["errors"]
