"""Relaying an incident: who receives it (radius, neighbours, across borders, police), the
preview before sending, one message per recipient in the relay's transaction, acknowledgement.

The pages (preview, send, the sender's view, the acknowledgement link): apps/staff/tests/test_relay_pages.py."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import override

from apps.groups.models import Group
from apps.incidents import reach
from apps.incidents.models import Incident
from apps.incidents.tests.helpers import report
from apps.messaging.models import OutgoingMessage
from apps.relays import services
from apps.relays.models import Relay
from testkit.world import World

from .helpers import border_group


@pytest.fixture
def border(world: World) -> Group:
    return border_group(world)


def names(plan) -> set[str]:
    return {r.name for r in plan.recipients}


def test_radius_reaches_nearby_groups_across_the_border_and_the_police(world: World, border):
    incident = report(world)  # in Testdorp Noord, reported in group A
    plan = services.preview(incident, scope="radius", radius_m=2000, sender=world.admin_a)
    assert {g.name for g in plan.groups} == {"Testdorp Zuid", "Grensstrook"}  # not the reporter's own group
    # The police of every municipality reached: the Belgian zone and, across the border, the Dutch unit.
    assert names(plan) == {"Admin_B", "Admin_Nl", "PZ Testzone", "Basisteam Grensstad"}
    assert "Grensstad Centrum" not in {g.name for g in plan.groups}  # ~28 km away


def test_a_small_radius_reaches_fewer_groups(world: World, border):
    incident = report(world, lat=50.7595, lon=5.31)  # north edge of Noord: Zuid is > 1 km away
    plan = services.preview(incident, scope="radius", radius_m=500, sender=world.admin_a)
    assert {g.name for g in plan.groups} == set()
    assert names(plan) == {"PZ Testzone"}


def test_neighbours_scope_uses_the_areas_neighbours(world: World, border):
    incident = report(world)
    plan = services.preview(incident, scope="neighbours", sender=world.admin_a)
    assert {g.name for g in plan.groups} == {"Testdorp Zuid", "Grensstrook"}


@pytest.mark.parametrize(
    ("scope", "radius", "field"),
    [("radius", 50, "radius_m"), ("radius", 100_000, "radius_m"), ("radius", None, "radius_m"), ("all", None, "scope")],
)
def test_bad_scope_is_refused_and_nothing_is_written(world: World, border, scope, radius, field):
    incident = report(world)
    with pytest.raises(ValidationError) as caught:
        services.send(actor=world.admin_a, incident=incident, scope=scope, radius_m=radius)
    assert field in caught.value.message_dict
    assert not Relay.objects.exists() and not OutgoingMessage.objects.exists()


def test_send_writes_one_message_per_recipient_with_an_ack_link(world: World, border):
    world.zone_nl.email = "basisteam@politie-grensstad.example"
    world.zone_nl.save()
    incident = report(world)
    relay = services.send(actor=world.admin_a, incident=incident, scope="radius", radius_m=2000)
    recipients = list(relay.recipients.select_related("message"))
    # Admin_B, Admin_Nl, and the police of both sides of the border.
    assert len(recipients) == 4 and all(r.message for r in recipients)
    assert OutgoingMessage.objects.filter(topic="relay").count() == 4
    police = {r.name: r for r in recipients if r.kind == "police"}
    assert {name: r.message.recipient for name, r in police.items()} == {
        "PZ Testzone": "wijkteam@pz-test.example",
        "Basisteam Grensstad": "basisteam@politie-grensstad.example",
    }
    for r in police.values():
        assert "1-ABC-123" in r.message.body and "/doorgegeven/" in r.message.body
    # Asked again within a minute (double click, client retry): the same relay, no new messages.
    again = services.send(actor=world.admin_a, incident=incident, scope="radius", radius_m=2000)
    assert again.pk == relay.pk and OutgoingMessage.objects.filter(topic="relay").count() == 4


def test_a_recipient_without_channel_is_shown_not_skipped(world: World, border):
    world.admin_b.email = ""
    world.admin_b.save()
    relay = services.send(actor=world.admin_a, incident=report(world), scope="radius", radius_m=2000)
    rows = {r["name"]: r for r in services.status_rows(relay)}
    assert rows["Admin_B"]["status"] == "no_channel" and rows["Admin_B"]["channel"] is None
    assert rows["Admin_Nl"]["status"] == "queued"


def test_closed_incident_cannot_be_relayed(world: World, border):
    from apps.incidents.services import give_feedback

    incident = report(world)
    give_feedback(actor=world.police, incident=incident, feedback="Loos alarm.", close=True)
    with pytest.raises(ValidationError):
        services.send(actor=world.admin_a, incident=incident, scope="neighbours")
    assert not Relay.objects.exists()


def test_relay_goes_by_whatsapp_template_to_an_opted_in_admin(world: World, border, settings):
    from apps.messaging import services as messaging
    from apps.messaging.models import DeliveryPreference
    from apps.messaging.tests.fake_gateway import FakeGateway, whatsapp_ok

    gateway = FakeGateway(whatsapp_ok)
    try:
        settings.WHATSAPP_API_URL = f"{gateway.url}/v23.0"
        settings.WHATSAPP_PHONE_NUMBER_ID = "1065"
        settings.WHATSAPP_TOKEN = "t"  # noqa: S105 (fake)
        DeliveryPreference.objects.create(user=world.admin_b, whatsapp_opt_in=True)
        # Red, which an admin's relay is only once the coordinator approved it.
        relay = services.send(actor=world.admin_a, incident=report(world), scope="radius", radius_m=2000, urgency="red")
        relay = services.decide(actor=world.coordinator, relay=relay, decision="approve")
        recipient = relay.recipients.select_related("message").get(user=world.admin_b)
        assert recipient.channel == "whatsapp" and recipient.message.recipient == "+32470000002"
        assert messaging.deliver(recipient.message.pk, "w") == "sent"
        [seen] = gateway.seen
        params = [p["text"] for p in seen.body["template"]["components"][0]["parameters"]]
        # In the recipient's language: Admin_B chose none, so Testdorp's (Dutch).
        with override("nl"):
            category = str(Incident.Category.SUSPICIOUS_VEHICLE.label)
        with override("nl"):
            sender = reach.sender_label(relay.sender)
        # The sender by role and group, never by the name they chose for their account.
        assert params[0] == sender and "Testdorp Noord" in sender and "Admin_A" not in sender
        assert params[1] == category and "/doorgegeven/" in params[4]
        assert seen.body["template"]["language"] == {"code": "nl"}
        assert all("\n" not in p for p in params)
        row = next(r for r in services.status_rows(relay) if r["name"] == "Admin_B")
        assert row["status"] == "sent" and row["provider_message_id"].startswith("wamid.")
    finally:
        gateway.close()
