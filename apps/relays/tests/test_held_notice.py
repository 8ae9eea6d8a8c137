"""A group admin's red relay held for approval (ADR 0027) is announced to those who decide on it:
the coordinators of the incident's municipality and the police of its zone, each by e-mail in
their own language, with the link to the desk page where they decide. Nobody else is told."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import override

from apps.audit.models import AuditEvent
from apps.incidents.tests.helpers import report
from apps.messaging.models import OutgoingMessage
from apps.municipalities.models import Coordinator, PoliceOfficer
from apps.relays import services
from apps.relays.models import Relay
from testkit.world import World, make_user

from .helpers import border_group


@pytest.fixture
def border(world: World):
    return border_group(world)


def notices():
    return OutgoingMessage.objects.filter(topic="relay.held").order_by("recipient")


def hold(world: World) -> Relay:
    relay = services.send(actor=world.admin_a, incident=report(world), scope="radius", radius_m=2000, urgency="red")
    assert relay.status == Relay.Status.HELD
    return relay


def test_the_coordinators_and_police_of_the_incident_are_told_and_nobody_else(world, border):
    relay = hold(world)
    told = {m.recipient for m in notices()}
    assert told == {world.coordinator.email, world.police.email}
    for outsider in (world.coordinator_nl, world.police_nl, world.admin_a, world.admin_b, world.superuser):
        assert outsider.email not in told
    [event] = AuditEvent.objects.filter(action=AuditEvent.Action.RELAY_HELD)
    assert event.data["approvers_told"] == sorted([world.coordinator.pk, world.police.pk])
    # Told is not sent: no recipient of the relay itself has a message yet.
    assert not OutgoingMessage.objects.filter(topic="relay").exists() and not relay.recipients.exists()


def test_each_is_written_in_their_own_language_with_the_link_to_decide(client, world, border):
    world.coordinator.language = "fr"
    world.coordinator.save()
    world.police.language = "nl"
    world.police.save()
    relay = hold(world)
    by_address = {m.recipient: m for m in notices()}
    url = "http://testserver" + reverse("relays:detail", args=[relay.pk])
    for user, language in ((world.coordinator, "fr"), (world.police, "nl")):
        message = by_address[user.email]
        assert message.language == language and message.channel == "email"
        with override(language):
            category = str(relay.incident.get_category_display())
        assert category in message.subject and category in message.body
        assert url in message.body
        assert message.municipality_id == world.testdorp.pk
    with override("en"):
        english = str(relay.incident.get_category_display())
    assert english not in by_address[world.coordinator.email].subject  # not the sender's language
    # The link leads the approver to the page with the decision on it.
    client.force_login(world.coordinator)
    page = client.get(url.removeprefix("http://testserver"))
    assert page.status_code == 200 and b'name="decision"' in page.content


def test_inactive_accounts_and_accounts_without_e_mail_are_not_told(world, border):
    gone = make_user("old_coordinator", is_active=False)
    Coordinator.objects.create(user=gone, municipality=world.testdorp)
    silent = make_user("silent_police")
    silent.email = ""
    silent.save()
    PoliceOfficer.objects.create(user=silent, zone=world.zone)
    hold(world)
    assert {m.recipient for m in notices()} == {world.coordinator.email, world.police.email}


def test_someone_who_coordinates_and_polices_the_municipality_is_told_once(world, border):
    PoliceOfficer.objects.create(user=world.coordinator, zone=world.zone)
    hold(world)
    assert notices().filter(recipient=world.coordinator.email).count() == 1


@pytest.mark.parametrize(
    ("who", "urgency"), [("admin_a", "green"), ("coordinator", "red"), ("police", "red"), ("superuser", "red")]
)
def test_a_relay_that_is_not_held_tells_no_approver(world, border, who, urgency):
    relay = services.send(
        actor=getattr(world, who), incident=report(world), scope="radius", radius_m=2000, urgency=urgency
    )
    assert relay.status == Relay.Status.SENT and not notices().exists()


def test_a_refused_red_relay_tells_nobody(world, border):
    incident = report(world)
    with pytest.raises(ValidationError):
        services.send(actor=world.admin_a, incident=incident, scope="radius", radius_m=20_000, urgency="red")
    assert not notices().exists() and not Relay.objects.exists()


def test_the_same_red_request_repeated_within_a_minute_tells_them_once(world, border):
    incident = report(world)
    for _ in range(2):
        services.send(actor=world.admin_a, incident=incident, scope="radius", radius_m=2000, urgency="red")
    assert notices().count() == 2 and Relay.objects.count() == 1
