"""What the desk's relay page and the API accept is read by one form (``RelayForm``): the same
bad input gets the same translated message on both, and nothing is relayed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.incidents.tests.helpers import report
from apps.messaging.models import OutgoingMessage
from apps.relays.models import Relay
from apps.relays.tests.helpers import border_group
from testkit.world import World


@pytest.mark.parametrize(
    ("data", "language", "expected"),
    [
        ({"radius_m": "ver weg"}, "nl", "Voer een geheel getal in."),
        ({"radius_m": "drie"}, "fr", "Saisissez un nombre entier."),
        ({"scope": "iedereen"}, "nl", "Selecteer een geldige keuze."),
        ({"radius_m": "2000", "note": "x" * 1001}, "nl", "1000 tekens"),
        ({"radius_m": "2000", "note": "x" * 1001}, "fr", "1000 caractères"),
        ({"radius_m": "10"}, "fr", "entre 100 et 25000 mètres"),
    ],
)
def test_bad_relay_input_on_the_page_is_refused_in_the_users_language(client, world: World, data, language, expected):
    border_group(world)
    incident = report(world)
    client.force_login(world.admin_a)
    client.cookies["django_language"] = language
    response = client.post(reverse("relays:send", args=[incident.pk]), data, follow=True)
    text = response.content.decode()
    assert expected in text, text[text.find("messages") :][:600]
    assert not Relay.objects.exists() and not OutgoingMessage.objects.filter(topic="relay").exists()
    preview = client.get(reverse("relays:preview", args=[incident.pk]), data, follow=True)
    assert expected in preview.content.decode()


def test_the_api_gives_the_page_s_message_for_the_same_input(client, world: World):
    from apps.api.tests.utils import bearer

    incident = report(world)
    response = client.post(
        f"/api/v1/incidents/{incident.pk}/relays",
        {"radius_m": 2000, "note": "x" * 1001},
        content_type="application/json",
        headers={**bearer(world.admin_a), "Accept-Language": "nl"},
    )
    assert response.status_code == 400
    assert "1000 tekens" in " ".join(response.json()["errors"]["note"])
    assert not Relay.objects.exists()
