"""Private relay endpoints: relay an incident, follow delivery and acknowledgements."""

from __future__ import annotations

import pytest

from apps.incidents.tests.helpers import report
from apps.messaging import services as messaging
from apps.messaging.models import OutgoingMessage
from apps.relays.models import Relay
from testkit.world import World

from .utils import bearer


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def post(client, user, incident, payload):
    return client.post(
        f"/api/v1/incidents/{incident.pk}/relays", payload, content_type="application/json", headers=bearer(user)
    )


def test_relay_by_radius_and_follow_it(client, world: World, settings):
    # An admin's relay goes green: by e-mail, now, outside quiet hours (none here).
    settings.BUURTWACHT_QUIET_HOURS = "00:00-00:00"
    incident = report(world)
    response = post(client, world.admin_a, incident, {"radius_m": 2000})
    assert response.status_code == 201, response.content
    relay = response.json()
    assert [r["name"] for r in relay["recipients"]] == ["Admin_B", "PZ Testzone"]
    police = relay["recipients"][1]
    # The zone has no e-mail address in this world: listed, and shown as not reachable.
    assert (police["kind"], police["channel"], police["status"]) == ("police", None, "no_channel")
    message = OutgoingMessage.objects.get(topic="relay")
    assert messaging.deliver(message.pk, "test") == "sent"
    got = client.get(f"/api/v1/relays/{relay['id']}", headers=bearer(world.admin_a)).json()
    row = got["recipients"][0]
    assert got["acknowledged"] == 0
    assert (row["channel"], row["status"], row["attempts"], row["acknowledged_at"]) == ("email", "sent", 1, None)


def test_relay_to_neighbours(client, world: World):
    from apps.areas import neighbours

    neighbours.recompute()
    response = post(client, world.admin_a, report(world), {"scope": "neighbours"})
    assert response.status_code == 201 and response.json()["scope"] == "neighbours"


@pytest.mark.parametrize("payload", [{}, {"radius_m": 10}, {"scope": "everyone"}, {"radius_m": "far"}])
def test_bad_body_answers_400_and_writes_nothing(client, world: World, payload):
    response = post(client, world.admin_a, report(world), payload)
    assert response.status_code == 400 and response.json()["errors"]
    assert not Relay.objects.exists() and not OutgoingMessage.objects.exists()


@pytest.mark.parametrize("who", ["admin_b", "coordinator_nl"])
def test_others_get_404_and_nothing_is_sent(client, world: World, who):
    incident = report(world)
    assert post(client, getattr(world, who), incident, {"radius_m": 2000}).status_code == 404
    relay = post(client, world.admin_a, incident, {"radius_m": 2000}).json()
    assert client.get(f"/api/v1/relays/{relay['id']}", headers=bearer(getattr(world, who))).status_code == 404
    assert Relay.objects.count() == 1
