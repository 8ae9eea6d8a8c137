"""The API and the alerts: the consent sent with an application, and broadcasts that also reach
the members who asked for them (counted, never named)."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from apps.applications import services
from apps.applications.models import Application
from apps.members.alerts import ALERTS_CONSENT
from apps.messaging.models import OutgoingMessage
from apps.relays.models import Broadcast
from testkit.world import World, add_member

from .utils import application_json, bearer


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def apply(client, **overrides):
    body = application_json(World.ADDRESS_A, **overrides)
    return client.post("/api/v1/applications", json.dumps(body), content_type="application/json")


def broadcast(client, user, **payload):
    body = {"urgency": "red", "subject": "Inbraakgolf", "text": "Let op.", "zone_id": None, **payload}
    return client.post("/api/v1/broadcasts", body, content_type="application/json", headers=bearer(user))


def test_consent_sent_with_the_application_reaches_the_member(client, world: World):
    response = apply(client, alerts_opt_in=True)
    assert response.status_code == 201, response.content
    application = Application.objects.get()
    assert application.alerts_opt_in_at is not None and application.alerts_consent_text == str(ALERTS_CONSENT)
    application = services.confirm(services.confirmation_token(application))
    member = services.approve(application, actor=world.admin_a)
    assert member.receives_alerts and member.alerts_opt_in_at == application.alerts_opt_in_at


def test_no_consent_by_default(client, world: World):
    assert apply(client).status_code == 201
    assert Application.objects.get().alerts_opt_in_at is None
    Application.objects.all().delete()
    assert apply(client, alerts_opt_in=False).status_code == 201
    assert Application.objects.get().alerts_opt_in_at is None


@pytest.mark.parametrize("value", ["maybe", [True], {"yes": 1}])
def test_a_consent_that_is_not_a_boolean_is_refused(client, world: World, value):
    response = apply(client, alerts_opt_in=value)
    assert response.status_code == 400 and "alerts_opt_in" in response.json()["errors"]
    assert not Application.objects.exists() and not OutgoingMessage.objects.exists()


def test_broadcast_to_admins_and_members_returns_counts_without_residents(client, world: World):
    people = [
        add_member(g, n, alerts_opt_in_at=timezone.now(), full_name=f"Bewoner {n}")
        for g, n in ((world.group_a, 11), (world.group_b, 12))
    ]
    add_member(world.group_a, 13)  # no consent
    response = broadcast(client, world.police, zone_id=world.zone.pk, audience="admins_and_members")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["audience"] == "admins_and_members"
    # Every admin of the zone's groups, co-admins included: admin and co-admin of A, admin of B.
    assert body["counts"] == {"admins": 3, "members": 2}
    assert body["member_statuses"] == {"queued": 2}
    assert sorted(r["name"] for r in body["recipients"]) == ["Admin_A", "Admin_B", "Co_Admin_A"]
    text = response.content.decode()
    for m in people:
        assert m.full_name not in text and m.phone not in text and m.email not in text


def test_audience_defaults_to_admins(client, world: World):
    add_member(world.group_a, 11, alerts_opt_in_at=timezone.now())
    response = broadcast(client, world.coordinator, municipality_id=world.testdorp.pk)
    assert response.status_code == 201
    body = response.json()
    # The three admins of Testdorp's groups (co-admin of A included), no members.
    assert body["audience"] == "admins" and body["counts"] == {"admins": 3, "members": 0}
    assert not OutgoingMessage.objects.filter(member_id__isnull=False).exists()


@pytest.mark.parametrize("value", ["everyone", "members", "", None, 1])
def test_a_bad_audience_is_refused_with_a_translated_message_and_nothing_is_stored(client, world: World, value):
    add_member(world.group_a, 11, alerts_opt_in_at=timezone.now())
    response = broadcast(client, world.police, zone_id=world.zone.pk, audience=value)
    assert response.status_code == 400
    assert response.json()["errors"]["audience"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert not Broadcast.objects.exists() and not OutgoingMessage.objects.exists()


def test_the_audience_message_follows_the_clients_language(client, world: World):
    response = client.post(
        "/api/v1/broadcasts",
        {"urgency": "red", "subject": "x", "text": "y", "zone_id": world.zone.pk, "audience": "everyone"},
        content_type="application/json",
        headers={**bearer(world.police), "Accept-Language": "nl"},
    )
    assert response.status_code == 400
    assert response.json()["errors"]["audience"] == ["Selecteer een geldige keuze. Deze keuze is niet beschikbaar."]
    assert not Broadcast.objects.exists()


def test_admins_cannot_broadcast_to_members(client, world: World):
    add_member(world.group_a, 11, alerts_opt_in_at=timezone.now())
    response = broadcast(client, world.admin_a, municipality_id=world.testdorp.pk, audience="admins_and_members")
    assert response.status_code == 403
    assert not Broadcast.objects.exists() and not OutgoingMessage.objects.exists()
