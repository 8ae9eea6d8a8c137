"""Red is for the police and coordinators (ADR 0027): a group admin's red relay is held (stored,
nothing sent) until a coordinator of the municipality or the police of its zone approves it,
lowers it to green or refuses it; the admin sees its state. Anyone else is refused and nothing
changes."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from apps.api.tests.utils import bearer
from apps.audit.models import AuditEvent
from apps.groups.models import Group
from apps.incidents.tests.helpers import report
from apps.messaging.models import OutgoingMessage
from apps.relays import services
from apps.relays.models import Relay

from .helpers import border_group


@pytest.fixture
def border(world) -> Group:
    return border_group(world)


def held(world, **extra) -> Relay:
    return services.send(
        actor=world.admin_a, incident=report(world), scope="radius", radius_m=2000, urgency="red", **extra
    )


def test_an_admins_red_relay_is_held_and_sends_nothing(world, border):
    relay = held(world)
    assert relay.status == Relay.Status.HELD and relay.urgency == "red"
    assert not relay.recipients.exists() and not OutgoingMessage.objects.filter(topic="relay").exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.RELAY_HELD, target_id=str(relay.pk)).exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.RELAY_SENT).exists()


def test_an_admins_green_relay_goes_at_once_by_e_mail(world, border):
    relay = services.send(actor=world.admin_a, incident=report(world), scope="radius", radius_m=2000)
    assert relay.status == Relay.Status.SENT and relay.urgency == "green"
    admin_messages = OutgoingMessage.objects.filter(topic="relay", user_id__isnull=False)
    assert admin_messages.exists() and set(admin_messages.values_list("urgency", flat=True)) == {"green"}


@pytest.mark.parametrize("who", ["coordinator", "police", "superuser"])
def test_red_from_coordinators_police_and_operators_goes_at_once(world, border, who):
    relay = services.send(actor=getattr(world, who), incident=report(world), scope="radius", radius_m=2000)
    assert relay.status == Relay.Status.SENT and relay.urgency == "red"
    assert set(OutgoingMessage.objects.filter(user_id__isnull=False).values_list("urgency", flat=True)) == {"red"}


@pytest.mark.parametrize(
    ("who", "decision", "status", "urgency", "action"),
    [
        ("coordinator", "approve", Relay.Status.APPROVED, "red", AuditEvent.Action.RELAY_APPROVED),
        ("police", "approve", Relay.Status.APPROVED, "red", AuditEvent.Action.RELAY_APPROVED),
        ("coordinator", "lower", Relay.Status.LOWERED, "green", AuditEvent.Action.RELAY_LOWERED),
        ("police", "lower", Relay.Status.LOWERED, "green", AuditEvent.Action.RELAY_LOWERED),
    ],
)
def test_the_coordinator_or_the_police_send_it_red_or_green(world, border, who, decision, status, urgency, action):
    relay = held(world)
    decided = services.decide(actor=getattr(world, who), relay=relay, decision=decision)
    assert (decided.status, decided.urgency, decided.decided_by) == (status, urgency, getattr(world, who))
    assert decided.recipients.exists()
    admin_messages = OutgoingMessage.objects.filter(topic="relay", user_id__isnull=False)
    assert set(admin_messages.values_list("urgency", flat=True)) == {urgency}
    # The recipients are the admin's: their areas and neighbours, within their own cap.
    assert {r.name for r in decided.recipients.all()} >= {"Admin_B", "Admin_Nl"}
    assert AuditEvent.objects.filter(action=action, target_id=str(relay.pk)).exists()


def test_refused_sends_nothing(world, border):
    relay = held(world)
    decided = services.decide(actor=world.coordinator, relay=relay, decision="refuse")
    assert decided.status == Relay.Status.REFUSED and not decided.recipients.exists()
    assert not OutgoingMessage.objects.filter(topic="relay").exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.RELAY_REFUSED).exists()


@pytest.mark.parametrize("who", ["admin_a", "co_admin_a", "admin_b", "coordinator_nl", "police_nl", "nobody"])
def test_no_one_else_decides(client, world, border, who):
    relay = held(world)
    user = getattr(world, who)
    with pytest.raises(PermissionDenied):
        services.decide(actor=user, relay=relay, decision="approve")
    client.force_login(user)
    assert client.post(reverse("relays:decide", args=[relay.pk]), {"decision": "approve"}).status_code == 404
    response = client.post(
        f"/api/v1/relays/{relay.pk}/decision",
        {"decision": "approve"},
        content_type="application/json",
        headers=bearer(user),
    )
    assert response.status_code == 404
    relay.refresh_from_db()
    assert relay.status == Relay.Status.HELD and relay.decided_by is None
    assert not OutgoingMessage.objects.filter(topic="relay").exists() and not relay.recipients.exists()
    assert not AuditEvent.objects.filter(action__in=["relay.approved", "relay.lowered", "relay.refused"]).exists()


def test_a_decision_is_taken_once(world, border):
    relay = held(world)
    services.decide(actor=world.coordinator, relay=relay, decision="refuse")
    with pytest.raises(ValidationError):
        services.decide(actor=world.police, relay=relay, decision="approve")
    relay.refresh_from_db()
    assert relay.status == Relay.Status.REFUSED and not OutgoingMessage.objects.filter(topic="relay").exists()


def test_an_unknown_decision_is_refused(world, border):
    relay = held(world)
    with pytest.raises(ValidationError):
        services.decide(actor=world.coordinator, relay=relay, decision="send")
    relay.refresh_from_db()
    assert relay.status == Relay.Status.HELD


def test_a_closed_incident_can_only_be_refused(world, border):
    from apps.incidents.services import give_feedback

    relay = held(world)
    give_feedback(actor=world.police, incident=relay.incident, feedback="Loos alarm.", close=True)
    with pytest.raises(ValidationError):
        services.decide(actor=world.coordinator, relay=relay, decision="approve")
    assert services.decide(actor=world.coordinator, relay=relay, decision="refuse").status == Relay.Status.REFUSED


def test_the_desk_shows_the_waiting_relay_and_the_coordinator_approves_it(client, world, border):
    relay = held(world)
    client.force_login(world.admin_a)
    page = client.get(reverse("relays:detail", args=[relay.pk])).content.decode()
    assert 'id="relay-status"' in page and 'name="decision"' not in page  # the sender waits
    client.force_login(world.coordinator)
    desk = client.get(reverse("staff:dashboard")).content.decode()
    assert reverse("relays:detail", args=[relay.pk]) in desk
    assert reverse("relays:detail", args=[relay.pk]) in client.get(reverse("relays:waiting")).content.decode()
    assert 'name="decision"' in client.get(reverse("relays:detail", args=[relay.pk])).content.decode()
    response = client.post(reverse("relays:decide", args=[relay.pk]), {"decision": "approve"})
    assert response.status_code == 302
    relay.refresh_from_db()
    assert relay.status == Relay.Status.APPROVED and OutgoingMessage.objects.filter(topic="relay").exists()
    assert reverse("relays:detail", args=[relay.pk]) not in client.get(reverse("staff:dashboard")).content.decode()


def test_the_admin_sees_nothing_to_decide_on_their_desk(client, world, border):
    relay = held(world)
    client.force_login(world.admin_b)
    assert reverse("relays:detail", args=[relay.pk]) not in client.get(reverse("staff:dashboard")).content.decode()
    assert reverse("relays:detail", args=[relay.pk]) not in client.get(reverse("relays:waiting")).content.decode()


def test_the_api_holds_and_decides_the_same_way(client, world, border):
    incident = report(world)
    response = client.post(
        f"/api/v1/incidents/{incident.pk}/relays",
        {"radius_m": 2000, "urgency": "red"},
        content_type="application/json",
        headers=bearer(world.admin_a),
    )
    assert response.status_code == 201
    relay = response.json()
    assert (relay["status"], relay["urgency"], relay["recipients"]) == ("held", "red", [])
    assert "Testdorp Noord" in relay["sender"]
    assert not OutgoingMessage.objects.filter(topic="relay").exists()
    response = client.post(
        f"/api/v1/relays/{relay['id']}/decision",
        {"decision": "lower"},
        content_type="application/json",
        headers=bearer(world.police),
    )
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["urgency"]) == ("lowered", "green")
    assert response.json()["recipients"]
    again = client.post(
        f"/api/v1/relays/{relay['id']}/decision",
        {"decision": "approve"},
        content_type="application/json",
        headers=bearer(world.police),
    )
    assert again.status_code == 400 and again.json()["errors"]["__all__"]


def test_the_api_refuses_an_unknown_urgency_and_writes_nothing(client, world, border):
    incident = report(world)
    response = client.post(
        f"/api/v1/incidents/{incident.pk}/relays",
        {"radius_m": 2000, "urgency": "orange"},
        content_type="application/json",
        headers=bearer(world.admin_a),
    )
    assert response.status_code == 400 and "urgency" in response.json()["errors"]
    assert not Relay.objects.exists()


def test_the_page_refuses_an_unknown_urgency_and_writes_nothing(client, world, border):
    incident = report(world)
    client.force_login(world.admin_a)
    client.post(reverse("relays:send", args=[incident.pk]), {"radius_m": "2000", "urgency": "orange"})
    assert not Relay.objects.exists()
