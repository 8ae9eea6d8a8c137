"""POST /api/v1/broadcasts sends once: the Idempotency-Key header answers the broadcast its key
made for 24 hours, refuses the key with another body (422) and a malformed key (400); without
the header the same request within a minute answers the broadcast that already went out."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from apps.messaging.models import OutgoingMessage
from apps.relays.models import Broadcast
from testkit.world import World

from .utils import bearer

URL = "/api/v1/broadcasts"
KEY = "Idempotency-Key"
MOMENT = timezone.make_aware(dt.datetime(2026, 11, 21, 14, 3, 0))


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def police(world: World) -> dict:
    return bearer(world.police)


def post(client, headers: dict, key: str | None = None, **payload):
    body = {"urgency": "red", "subject": "Inbraakgolf", "text": "Let op: inbraken in de buurt.", **payload}
    if key is not None:
        headers = {**headers, KEY: key}
    return client.post(URL, body, content_type="application/json", headers=headers)


def messages() -> int:
    return OutgoingMessage.objects.count()


def test_the_same_key_and_body_answer_the_first_broadcast(client, world: World, police):
    key = "8e03978e-40d5-43e8-bc93-6894a57f9324"
    with time_machine.travel(MOMENT, tick=False):
        first = post(client, police, key, zone_id=world.zone.pk)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    sent = messages()
    with time_machine.travel(MOMENT + dt.timedelta(hours=2), tick=False):  # a retry, long after the window
        again = post(client, police, key, zone_id=world.zone.pk)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Broadcast.objects.count() == 1 and messages() == sent == 3


def test_the_key_may_be_sent_as_a_structured_field_string(client, world: World, police):
    first = post(client, police, "abc-123", zone_id=world.zone.pk)
    again = post(client, police, '"abc-123"', zone_id=world.zone.pk)
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert Broadcast.objects.count() == 1


def test_the_same_key_with_another_body_is_refused(client, world: World, police):
    post(client, police, "k-1", zone_id=world.zone.pk)
    sent = messages()
    response = post(client, police, "k-1", zone_id=world.zone.pk, text="Iets heel anders.")
    assert response.status_code == 422
    assert response.json()["errors"][KEY] == [
        "This key was already used for another message. Use a new key for a new message."
    ]
    assert Broadcast.objects.count() == 1 and messages() == sent


@pytest.mark.parametrize(
    "key",
    [
        "",  # empty
        '""',  # empty, quoted
        "x" * 256,  # too long
        "twee woorden",  # a space
        "sleutel-é",  # not ASCII
        "tab\tkey",
    ],
)
def test_a_malformed_key_is_refused_and_nothing_is_sent(client, world: World, police, key):
    response = post(client, police, key, zone_id=world.zone.pk)
    assert response.status_code == 400, response.content
    [message] = response.json()["errors"][KEY]
    assert "Idempotency-Key of 1 to 255 visible characters" in message
    assert not Broadcast.objects.exists() and messages() == 0


def test_the_longest_key_is_taken(client, world: World, police):
    assert post(client, police, "x" * 255, zone_id=world.zone.pk).status_code == 201


def test_another_accounts_same_key_does_not_collide(client, world: World, police):
    first = post(client, police, "shared-key", zone_id=world.zone.pk)
    other = post(client, bearer(world.coordinator), "shared-key", municipality_id=world.testdorp.pk)
    assert first.status_code == other.status_code == 201
    assert "Idempotent-Replayed" not in other.headers and other.json()["id"] != first.json()["id"]
    assert Broadcast.objects.count() == 2


def test_without_a_key_the_same_request_within_a_minute_is_sent_once(client, world: World, police):
    with time_machine.travel(MOMENT, tick=False):
        first = post(client, police, zone_id=world.zone.pk)
    with time_machine.travel(MOMENT + dt.timedelta(seconds=0.3), tick=False):
        again = post(client, police, zone_id=world.zone.pk)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json() and Broadcast.objects.count() == 1 and messages() == 3
    with time_machine.travel(MOMENT + dt.timedelta(seconds=61), tick=False):
        later = post(client, police, zone_id=world.zone.pk)
    assert later.json()["id"] != first.json()["id"] and Broadcast.objects.count() == 2


def test_a_new_key_is_a_new_broadcast(client, world: World, police):
    # The client says this is another request: its own keys decide, not the minute.
    first = post(client, police, "k-1", zone_id=world.zone.pk)
    second = post(client, police, "k-2", zone_id=world.zone.pk)
    assert second.json()["id"] != first.json()["id"] and Broadcast.objects.count() == 2


def test_the_answer_names_the_sender_and_counts_possible_repeats(client, world: World, police):
    body = post(client, police, zone_id=world.zone.pk).json()
    assert body["sender"] == "Police (PZ Testzone — police officer)"
    assert body["member_possible_repeats"] == 0
    assert {r["possible_repeat"] for r in body["recipients"]} == {False}
    OutgoingMessage.objects.filter(user_id=world.admin_a.pk).update(possible_repeat=True, status="sent")
    again = post(client, police, zone_id=world.zone.pk).json()
    flagged = {r["name"]: r["possible_repeat"] for r in again["recipients"]}
    assert flagged == {"Admin_A": True, "Admin_B": False, "Co_Admin_A": False}


def test_admins_are_refused_with_or_without_a_key(client, world: World):
    for key in (None, "k-1"):
        response = post(client, bearer(world.admin_a), key, municipality_id=world.testdorp.pk)
        assert response.status_code == 403
    assert not Broadcast.objects.exists()


def test_the_header_and_its_answers_are_in_the_openapi_document(client, db):
    operation = client.get("/api/v1/openapi.json").json()["paths"][URL]["post"]
    [header] = [p for p in operation["parameters"] if p["in"] == "header"]
    assert header["name"] == KEY and header["required"] is False and "24 hours" in header["description"]
    assert {"201", "400", "422"} <= set(operation["responses"])
    assert "Idempotent-Replayed" in operation["description"]
