"""Whom a relay may reach (ADR 0027): the groups of the areas the sender looks after and of the
areas next to them, within the radius of the sender's role; at most ``BUURTWACHT_RELAY_RATE``
relays per sender; every message names the sender by role and organisation. Each refusal writes
nothing, on the page and in the API, with the same message."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import override

from apps.api.tests.utils import bearer
from apps.areas.services import save_area
from apps.audit.models import AuditEvent
from apps.core.actors import SYSTEM
from apps.groups.models import Group, GroupAdmin
from apps.incidents import reach
from apps.incidents.models import Incident
from apps.incidents.tests.helpers import report
from apps.messaging.models import OutgoingMessage
from apps.relays import services
from apps.relays.models import Relay, RelayRecipient
from testkit.world import World, box, make_user

from .helpers import border_group

# Some 15 km from every area (the demo's attack: a 25 km radius from there reached 8 groups).
FAR_FROM_EVERY_AREA = {"lat": 50.60, "lon": 5.15}


@pytest.fixture
def border(world: World) -> Group:
    return border_group(world)  # Grensstrook (NL): next to Testdorp Noord


@pytest.fixture
def far_dutch(world: World) -> Group:
    """A Dutch group 6 km east of Testdorp: within a police radius, but nobody's neighbour."""
    area = save_area(
        actor=SYSTEM, municipality=world.grensstad, name="Oostveld", geometry=box(5.40, 50.75, 5.42, 50.76)
    )
    group = Group.objects.create(
        municipality=world.grensstad, area=area, name="Oostveld", slug="oostveld", status=Group.Status.ACTIVE
    )
    GroupAdmin.objects.create(group=group, user=make_user("admin_oost", phone="+31612345600"))
    return group


def nothing_written() -> None:
    assert not Relay.objects.exists()
    assert not RelayRecipient.objects.exists()
    assert not OutgoingMessage.objects.filter(topic="relay").exists()
    assert not AuditEvent.objects.filter(action__startswith="relay.").exists()


def group_names(plan) -> set[str]:
    return {g.name for g in plan.groups}


# The radius of each role.


@pytest.mark.parametrize(("who", "cap"), [("admin_a", 2000), ("coordinator", 10000)])
def test_a_radius_above_the_roles_cap_is_refused(world: World, border, who, cap, settings):
    settings.LANGUAGE_CODE = "en"
    incident = report(world)
    with pytest.raises(ValidationError) as caught:
        services.send(actor=getattr(world, who), incident=incident, scope="radius", radius_m=cap + 100)
    assert caught.value.message_dict["radius_m"] == [f"You may relay within at most {cap} metres."]
    nothing_written()


def test_the_police_may_use_the_widest_radius(world: World, border):
    plan = services.preview(report(world), scope="radius", radius_m=25_000, sender=world.police)
    assert group_names(plan) == {"Testdorp Zuid", "Grensstrook"}


def test_the_caps_come_from_the_settings(world: World, border, settings):
    settings.BUURTWACHT_RELAY_RADIUS_ADMIN_M = 500
    with pytest.raises(ValidationError):
        services.preview(report(world), scope="radius", radius_m=600, sender=world.admin_a)


# The areas a sender reaches.


def test_an_admin_reaches_their_areas_neighbours_across_the_border(world: World, border, far_dutch):
    plan = services.preview(report(world), scope="radius", radius_m=2000, sender=world.admin_a)
    assert group_names(plan) == {"Testdorp Zuid", "Grensstrook"}


@pytest.mark.parametrize("who", ["coordinator", "police"])
def test_coordinator_and_police_reach_their_municipality_and_its_neighbours_only(world: World, border, far_dutch, who):
    # Oostveld lies within 10 km of the incident, but in another municipality and next to none of theirs.
    plan = services.preview(report(world), scope="radius", radius_m=10_000, sender=getattr(world, who))
    assert group_names(plan) == {"Testdorp Zuid", "Grensstrook"}
    assert "Oostveld" not in group_names(plan)


def test_the_operator_reaches_everything_within_the_radius(world: World, border, far_dutch):
    plan = services.preview(report(world), scope="radius", radius_m=10_000, sender=world.superuser)
    assert group_names(plan) == {"Testdorp Zuid", "Grensstrook", "Oostveld"}


def test_an_incident_far_from_every_area_reaches_no_group_of_the_admin(world: World, border):
    """The demo's attack: recorded (here by an operator, for the admin's group) 15 km from every
    area; the admin's widest relay from there reaches no group, only their own zone's police."""
    incident = report(world, actor=world.superuser, group=world.group_a.pk, **FAR_FROM_EVERY_AREA)
    with pytest.raises(ValidationError):
        services.send(actor=world.admin_a, incident=incident, scope="radius", radius_m=25_000)
    nothing_written()
    plan = services.preview(incident, scope="radius", radius_m=2000, sender=world.admin_a)
    assert plan.groups == [] and [r.name for r in plan.recipients] == ["PZ Testzone"]


def test_the_neighbours_of_an_area_are_reached_from_its_border(world: World, border):
    # On the border of Noord and Zuid, recorded by Zuid's admin: Noord is a neighbour.
    incident = report(world, actor=world.admin_b, group=world.group_b.pk, lat=50.75, lon=5.31, address="")
    plan = services.preview(incident, scope="neighbours", sender=world.admin_b)
    assert "Testdorp Noord" in group_names(plan) and "Testdorp Zuid" not in group_names(plan)
    assert services.send(actor=world.admin_b, incident=incident, scope="neighbours").recipients.exists()


def test_nobody_in_reach_is_refused_and_writes_nothing(world: World, settings):
    settings.LANGUAGE_CODE = "en"
    world.zone.municipalities.clear()
    world.group_b.admins.clear()
    incident = report(world, actor=world.superuser, group=world.group_a.pk, **FAR_FROM_EVERY_AREA)
    with pytest.raises(ValidationError) as caught:
        services.send(actor=world.admin_a, incident=incident, scope="radius", radius_m=2000)
    assert "Nobody to relay to" in caught.value.messages[0]
    nothing_written()


# By page and by API: the same rules, the same messages.


def test_the_page_refuses_a_radius_above_the_cap(client, world: World, border, settings):
    settings.LANGUAGE_CODE = "en"
    incident = report(world)
    client.force_login(world.admin_a)
    response = client.post(reverse("relays:send", args=[incident.pk]), {"radius_m": "25000"}, follow=True)
    assert "You may relay within at most 2000 metres." in response.content.decode()
    nothing_written()


def test_the_api_refuses_a_radius_above_the_cap(client, world: World, border, settings):
    settings.LANGUAGE_CODE = "en"
    incident = report(world)
    response = client.post(
        f"/api/v1/incidents/{incident.pk}/relays",
        {"radius_m": 25000},
        content_type="application/json",
        headers=bearer(world.admin_a),
    )
    assert response.status_code == 400
    assert response.json()["errors"]["radius_m"] == ["You may relay within at most 2000 metres."]
    nothing_written()


@pytest.mark.parametrize("who", ["admin_a", "coordinator", "police"])
def test_each_role_relays_by_the_api_within_its_reach(client, world: World, border, far_dutch, who):
    incident = report(world)
    response = client.post(
        f"/api/v1/incidents/{incident.pk}/relays",
        {"radius_m": 2000},
        content_type="application/json",
        headers=bearer(getattr(world, who)),
    )
    assert response.status_code == 201, response.content
    names = {r["name"] for r in response.json()["recipients"]}
    assert "Admin_Oost" not in names and "Admin_B" in names and "Admin_Nl" in names


@pytest.mark.parametrize("who", ["admin_b", "coordinator_nl", "police_nl", "nobody"])
def test_who_does_not_see_the_incident_relays_nothing(client, world: World, border, who):
    incident = report(world)
    client.force_login(getattr(world, who))
    assert client.post(reverse("relays:send", args=[incident.pk]), {"radius_m": "2000"}).status_code == 404
    response = client.post(
        f"/api/v1/incidents/{incident.pk}/relays",
        {"radius_m": 2000},
        content_type="application/json",
        headers=bearer(getattr(world, who)),
    )
    assert response.status_code == 404
    nothing_written()


# The rate per sender.


def test_relays_per_sender_are_limited(client, world: World, border, settings):
    settings.LANGUAGE_CODE = "en"
    settings.BUURTWACHT_RELAY_RATE = "2/h"
    incident = report(world)
    first = services.send(actor=world.admin_a, incident=incident, scope="radius", radius_m=2000)
    # The same request again within a minute is the same relay, and does not count.
    assert services.send(actor=world.admin_a, incident=incident, scope="radius", radius_m=2000).pk == first.pk
    services.send(actor=world.admin_a, incident=incident, scope="radius", radius_m=1500)
    # Showing the incident's page again after the refusal is a view, audited as such.
    audit = AuditEvent.objects.exclude(action=AuditEvent.Action.INCIDENT_VIEWED)
    counted = (Relay.objects.count(), OutgoingMessage.objects.count(), audit.count())
    with pytest.raises(ValidationError) as caught:
        services.send(actor=world.admin_a, incident=incident, scope="radius", radius_m=1000)
    assert "You can relay again from" in caught.value.messages[0]
    response = client.post(
        f"/api/v1/incidents/{incident.pk}/relays",
        {"radius_m": 1200},
        content_type="application/json",
        headers=bearer(world.admin_a),
    )
    assert response.status_code == 400 and "You can relay again from" in response.json()["errors"]["__all__"][0]
    client.force_login(world.admin_a)
    page = client.post(reverse("relays:send", args=[incident.pk]), {"radius_m": "1100"}, follow=True)
    assert "You can relay again from" in page.content.decode()
    assert (Relay.objects.count(), OutgoingMessage.objects.count(), audit.count()) == counted
    # Another sender has a count of their own.
    assert services.send(actor=world.coordinator, incident=incident, scope="radius", radius_m=1000).pk


# The sender, named by role and organisation in the recipient's language.


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_message_names_the_admin_by_group_and_municipality(world: World, border, language):
    world.admin_b.language = language
    world.admin_b.save()
    relay = services.send(actor=world.admin_a, incident=report(world), scope="radius", radius_m=2000)
    message = RelayRecipient.objects.select_related("message").get(relay=relay, user=world.admin_b).message
    with override(language):
        sender = reach.sender_label({"role": "admin", "group": "Testdorp Noord", "municipality": "Testdorp"})
    assert message.language == language
    assert sender in message.body and sender in message.short_body
    assert "Admin_A" not in message.body  # never the name the sender chose for their account


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_message_names_the_police_zone(world: World, border, language):
    world.admin_b.language = language
    world.admin_b.save()
    relay = services.send(actor=world.police, incident=report(world), scope="radius", radius_m=2000)
    message = RelayRecipient.objects.select_related("message").get(relay=relay, user=world.admin_b).message
    with override(language):
        sender = reach.sender_label({"role": "police", "zone": "PZ Testzone"})
    assert sender in message.body and "Police" not in message.body.replace(sender, "")
    assert relay.sender == {"role": "police", "zone": "PZ Testzone"}


def test_the_coordinator_is_named_by_the_municipality(world: World, border):
    relay = services.send(actor=world.coordinator, incident=report(world), scope="radius", radius_m=2000)
    assert relay.sender == {"role": "coordinator", "municipality": "Testdorp"}
    police = RelayRecipient.objects.select_related("message").get(relay=relay, zone=world.zone).message
    with override("nl"):
        assert reach.sender_label(relay.sender) in police.body


def test_a_display_name_cannot_pass_for_the_police(world: World, border):
    world.admin_a.first_name, world.admin_a.last_name = "Politie", "PZ Testzone"
    world.admin_a.save()
    relay = services.send(actor=world.admin_a, incident=report(world), scope="radius", radius_m=2000)
    assert relay.sender["role"] == "admin"
    messages = [r.message for r in relay.recipients.select_related("message") if r.message]
    assert messages and all("Politie PZ Testzone" not in m.body for m in messages)


def test_incident_is_still_the_reporters_after_a_refused_relay(world: World):
    incident = report(world)
    with pytest.raises(ValidationError):
        services.send(actor=world.admin_a, incident=incident, scope="radius", radius_m=30_000)
    assert Incident.objects.get(pk=incident.pk).status == Incident.Status.OPEN
