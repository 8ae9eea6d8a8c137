"""The desk's relay pages: the preview with its map, sending, the sender's view of who
acknowledged, and the acknowledgement link the recipients open (no account needed)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.groups.models import Group
from apps.incidents.tests.helpers import report
from apps.messaging.models import OutgoingMessage
from apps.relays import services
from apps.relays.models import Relay, RelayRecipient
from apps.relays.tests.helpers import border_group
from testkit.world import World


@pytest.fixture
def border(world: World) -> Group:
    return border_group(world)


def test_acknowledgement_link_needs_a_post_and_the_sender_sees_it(client, world: World, border):
    incident = report(world)
    relay = services.send(actor=world.admin_a, incident=incident, scope="radius", radius_m=2000)
    message = OutgoingMessage.objects.get(topic="relay", recipient=world.admin_b.email)
    url = next(w for w in message.body.split() if "/doorgegeven/" in w)
    path = url.split("127.0.0.1:8000", 1)[1] if "127.0.0.1:8000" in url else url
    assert client.get(path).status_code == 200
    recipient = RelayRecipient.objects.get(relay=relay, user=world.admin_b)
    assert recipient.acknowledged_at is None  # a mail scanner opening the link acknowledges nothing
    assert client.post(path).status_code == 200
    recipient.refresh_from_db()
    assert recipient.acknowledged_at is not None
    assert client.get("/doorgegeven/not-a-key/").status_code == 404
    client.force_login(world.admin_a)
    page = client.get(reverse("relays:detail", args=[relay.pk])).content.decode()
    # Admin_B, Admin_Nl, PZ Testzone and, across the border, Basisteam Grensstad.
    assert "1 of 4 recipients acknowledged" in page


def test_preview_page_lists_recipients_and_map_then_sends(client, world: World, border):
    incident = report(world)
    client.force_login(world.admin_a)
    page = client.get(reverse("relays:preview", args=[incident.pk]), {"scope": "radius", "radius_m": "2000"})
    text = page.content.decode()
    assert page.status_code == 200 and "Grensstrook" in text and "map-data" in text
    assert not Relay.objects.exists()  # the preview writes nothing
    response = client.post(reverse("relays:send", args=[incident.pk]), {"scope": "radius", "radius_m": "2000"})
    relay = Relay.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("relays:detail", args=[relay.pk])


@pytest.mark.parametrize("who", ["admin_b", "coordinator_nl"])
def test_others_cannot_preview_send_or_see_relays(client, world: World, border, who):
    incident = report(world)
    relay = services.send(actor=world.admin_a, incident=incident, scope="radius", radius_m=2000)
    client.force_login(getattr(world, who))
    assert client.get(reverse("relays:preview", args=[incident.pk]), {"scope": "neighbours"}).status_code == 404
    assert client.post(reverse("relays:send", args=[incident.pk]), {"scope": "neighbours"}).status_code == 404
    assert client.get(reverse("relays:detail", args=[relay.pk])).status_code == 404
    assert Relay.objects.count() == 1
