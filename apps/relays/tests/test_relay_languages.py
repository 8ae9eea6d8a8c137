"""Relays and broadcasts across the border and across languages: each admin's message names the
police numbers of their own group's country and is written in their own language."""

from __future__ import annotations

import re

import pytest
from django.utils.translation import override

from apps.groups.models import Group
from apps.incidents.tests.helpers import report
from apps.messaging.models import DeliveryPreference, OutgoingMessage
from apps.relays import services
from apps.relays.models import RelayRecipient
from testkit.world import World

from .helpers import border_group, send


@pytest.fixture
def border(world: World) -> Group:
    return border_group(world)


def without_links(text: str) -> str:
    # The secret in a link is random and may hold any digits.
    return re.sub(r"https?://\S+", "", text)


def admin_message(relay, user) -> OutgoingMessage:
    return RelayRecipient.objects.select_related("message").get(relay=relay, user=user).message


def test_dutch_admin_gets_dutch_police_numbers_and_belgian_admin_belgian_ones(world: World, border):
    incident = report(world)  # in Testdorp (BE)
    relay = services.send(actor=world.admin_a, incident=incident, scope="radius", radius_m=2000)
    dutch = admin_message(relay, border.admins.get())
    for text in (dutch.body, dutch.short_body):
        text = without_links(text)
        assert "0900-8844" in text and "112" in text and "101" not in text, text
    belgian = admin_message(relay, world.admin_b)
    for text in (belgian.body, belgian.short_body):
        text = without_links(text)
        assert "101" in text and "112" in text and "0900-8844" not in text, text


def test_whatsapp_parameters_name_the_recipients_numbers(world: World, border, settings):
    settings.WHATSAPP_API_URL = "https://graph.example/v23.0"
    settings.WHATSAPP_PHONE_NUMBER_ID = "1065"
    settings.WHATSAPP_TOKEN = "t"  # noqa: S105 (fake)
    DeliveryPreference.objects.create(user=border.admins.get(), whatsapp_opt_in=True)
    # Red, which an admin's relay is only once the coordinator approved it.
    relay = services.send(actor=world.admin_a, incident=report(world), scope="radius", radius_m=2000, urgency="red")
    relay = services.decide(actor=world.coordinator, relay=relay, decision="approve")
    message = admin_message(relay, border.admins.get())
    assert message.channel == "whatsapp"
    description = message.template_params[3]
    assert "0900-8844" in description and "101" not in description
    assert len(description) <= 900 and "\n" not in description


def test_a_french_speaking_admin_gets_the_relay_in_french(world: World, border):
    world.admin_b.language = "fr"
    world.admin_b.save()
    relay = services.send(actor=world.admin_a, incident=report(world), scope="radius", radius_m=2000)
    french = admin_message(relay, world.admin_b)
    dutch = admin_message(relay, border.admins.get())
    assert french.language == "fr" and dutch.language == "nl"
    assert "véhicule suspect" in french.subject and "véhicule suspect" in french.body
    assert "La police a d'abord été appelée (SAAR)." in french.body
    assert "verdacht voertuig" in dutch.body and "véhicule suspect" not in dutch.body
    assert RelayRecipient.objects.get(relay=relay, user=world.admin_b).language == "fr"


def test_the_new_police_line_is_translated(world: World, border):
    """Fails until the catalogue holds the new sentence in Dutch and French."""
    world.admin_b.language = "fr"
    world.admin_b.save()
    relay = services.send(actor=world.admin_a, incident=report(world), scope="radius", radius_m=2000)
    french = admin_message(relay, world.admin_b)
    dutch = admin_message(relay, border.admins.get())
    assert "Appelez d'abord la police : 101, ou le 112 en cas de danger." in french.body
    assert "Bel eerst de politie: 0900-8844, of 112 bij gevaar." in dutch.body


def test_police_zones_are_written_to_in_their_countrys_language(world: World, border):
    world.admin_b.language = "fr"
    world.admin_b.save()
    world.zone_nl.email = "basisteam@politie-grensstad.example"
    world.zone_nl.save()
    world.testdorp.language = "fr"
    world.testdorp.save()
    relay = services.send(actor=world.admin_a, incident=report(world), scope="radius", radius_m=2000)
    nl_zone = RelayRecipient.objects.select_related("message").get(relay=relay, zone=world.zone_nl)
    be_zone = RelayRecipient.objects.select_related("message").get(relay=relay, zone=world.zone)
    assert nl_zone.language == "nl" and "verdacht voertuig" in nl_zone.message.body
    assert be_zone.language == "fr" and "véhicule suspect" in be_zone.message.body


def test_broadcast_to_admins_in_their_language_with_their_countrys_numbers(world: World, border):
    world.admin_b.language = "fr"
    world.admin_b.save()
    dutch_admin = border.admins.get()
    broadcast = send(world, actor=world.superuser, audience="admins", zone_id=None, geometry=_both_sides())
    by_user = {r.user_id: r.message for r in broadcast.recipients.select_related("message")}
    french, dutch, flemish = by_user[world.admin_b.pk], by_user[dutch_admin.pk], by_user[world.admin_a.pk]
    assert french.language == "fr" and dutch.language == "nl" and flemish.language == "nl"
    for text in (dutch.body, dutch.short_body):
        assert "0900-8844" in text and "101" not in without_links(text)
    for text in (french.body, french.short_body, flemish.body):
        assert "101" in text and "0900-8844" not in text
    assert "Sluit ramen en deuren." in french.body  # the sender's own words stay as written
    with override("fr"):
        line = services.police_line(("101", "112"))
    assert line in french.body


def _both_sides() -> dict:
    # Testdorp's two areas and the Dutch strip east of them.
    return {
        "type": "Polygon",
        "coordinates": [[[5.29, 50.73], [5.35, 50.73], [5.35, 50.77], [5.29, 50.77], [5.29, 50.73]]],
    }
