"""The desk's broadcast page: police and coordinators only, within reach."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.core.testing import World
from apps.messaging.models import OutgoingMessage
from apps.relays.models import Broadcast


def test_police_sends_to_the_zone(client, world: World):
    client.force_login(world.police)
    url = reverse("relays:broadcast")
    assert client.get(url).status_code == 200
    page = client.post(url, {"urgency": "red", "zone": world.zone.pk, "subject": "Let op", "text": "Inbraken."})
    assert page.status_code == 200 and "Admin_A" in page.content.decode()
    assert Broadcast.objects.count() == 1 and OutgoingMessage.objects.filter(topic="broadcast.red").count() == 2


@pytest.mark.parametrize("who", ["admin_a", "admin_b"])
def test_admins_cannot_broadcast(client, world: World, who):
    client.force_login(getattr(world, who))
    url = reverse("relays:broadcast")
    assert client.get(url).status_code == 404
    assert (
        client.post(url, {"urgency": "red", "municipality": world.testdorp.pk, "subject": "x", "text": "y"}).status_code
        == 404
    )
    assert not Broadcast.objects.exists()


def test_coordinator_cannot_pick_another_municipality(client, world: World):
    client.force_login(world.coordinator_nl)
    page = client.post(
        reverse("relays:broadcast"),
        {"urgency": "green", "municipality": world.testdorp.pk, "subject": "x", "text": "y"},
    )
    assert page.status_code == 200 and not Broadcast.objects.exists()
