"""Messages of a coordinator to the admins' network: who receives them (a sub-municipality by the
coverage definition), in which language, sent once, the acknowledgement link, and who is refused."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from apps.areas.models import Area
from apps.audit.models import AuditEvent
from apps.messaging.models import OutgoingMessage
from apps.municipalities.models import SubMunicipality
from apps.network import messages as network_messages
from apps.network.models import AdminMessage, AdminMessageRecipient, NetworkSettings
from testkit.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    w = build_world()
    w.north = SubMunicipality.objects.create(municipality=w.testdorp, name="Noord")
    w.south = SubMunicipality.objects.create(municipality=w.testdorp, name="Zuid")
    Area.objects.filter(pk=w.group_a.area_id).update(sub_municipality=w.north)
    Area.objects.filter(pk=w.group_b.area_id).update(sub_municipality=w.south)
    w.admin_a.language = "fr"
    w.admin_a.save(update_fields=["language"])
    NetworkSettings.objects.create(municipality=w.testdorp, admins_group_link="https://chat.whatsapp.com/ADMINS1")
    return w


def send(world, **extra):
    arguments = {
        "actor": world.coordinator,
        "municipality": world.testdorp,
        "urgency": "green",
        "subject": "Overleg",
        "text": "Dinsdag om acht uur in het gemeentehuis.",
        "sub_municipality_ids": [world.north.pk],
    }
    arguments.update(extra)
    return network_messages.send_admin_message(**arguments)


def test_a_sub_municipality_reaches_its_admins_each_in_their_language(world):
    sent = send(world).admin_message
    recipients = {r.user: r for r in sent.recipients.select_related("message")}
    assert set(recipients) == {world.admin_a, world.co_admin_a}  # not admin_b of the south
    french = recipients[world.admin_a].message
    dutch = recipients[world.co_admin_a].message
    # Each in their own language (the texts themselves come with the project's translations).
    assert (french.language, recipients[world.admin_a].language) == ("fr", "fr")
    assert (dutch.language, recipients[world.co_admin_a].language) == ("nl", "nl")
    assert "https://chat.whatsapp.com/ADMINS1" in dutch.body
    assert re.search(r"/netwerkbericht/[\w-]{20,}/", dutch.body)
    # Only the hash of the key is stored.
    key = re.search(r"/netwerkbericht/([\w-]+)/", dutch.body).group(1)
    assert AdminMessageRecipient.objects.filter(ack_key_hash=AdminMessageRecipient.hash_key(key)).exists()
    assert not AdminMessageRecipient.objects.filter(ack_key_hash=key).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.NETWORK_MESSAGE_SENT).count() == 1


def test_no_sub_municipality_reaches_every_admin(world):
    sent = send(world, sub_municipality_ids=[]).admin_message
    assert {r.user for r in sent.recipients.all()} == {world.admin_a, world.co_admin_a, world.admin_b}


def test_the_same_message_twice_is_one_message(world):
    first = send(world)
    again = send(world)
    assert again.repeat == "window" and again.admin_message == first.admin_message
    assert AdminMessage.objects.count() == 1
    assert OutgoingMessage.objects.filter(topic="network.green").count() == 2


def test_the_same_form_key_with_another_text_is_refused(world):
    send(world, request_key="desk:abc")
    with pytest.raises(network_messages.RequestKeyReused):
        send(world, request_key="desk:abc", text="Iets anders.")
    assert AdminMessage.objects.count() == 1


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"subject": ""}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 2001}, "text"),
        ({"urgency": "orange"}, "urgency"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(world, extra, field):
    with pytest.raises(ValidationError) as caught:
        send(world, **extra)
    assert field in caught.value.message_dict
    assert (
        not AdminMessage.objects.exists() and not OutgoingMessage.objects.filter(topic__startswith="network").exists()
    )


def test_a_sub_municipality_of_another_municipality_is_refused(world):
    other = SubMunicipality.objects.create(municipality=world.grensstad, name="Centrum")
    with pytest.raises(ValidationError) as caught:
        send(world, sub_municipality_ids=[other.pk])
    assert "sub_municipalities" in caught.value.message_dict
    assert not AdminMessage.objects.exists()


@pytest.mark.parametrize("who", ["coordinator_nl", "admin_a", "police", "nobody"])
def test_others_are_refused(world, who):
    with pytest.raises(PermissionDenied):
        send(world, actor=getattr(world, who))
    assert not AdminMessage.objects.exists()


def _key(world, user) -> str:
    message = AdminMessageRecipient.objects.get(user=user).message
    return re.search(r"/netwerkbericht/([\w-]+)/", message.body).group(1)


def test_the_acknowledgement_link_works_once_and_a_forged_one_not(world):
    send(world)
    key = _key(world, world.co_admin_a)
    client = Client()
    assert client.get(f"/netwerkbericht/{key}/").status_code == 200
    assert AdminMessageRecipient.objects.get(user=world.co_admin_a).acknowledged_at is None  # GET does nothing
    assert client.post(f"/netwerkbericht/{key}/").status_code == 200
    when = AdminMessageRecipient.objects.get(user=world.co_admin_a).acknowledged_at
    assert when is not None
    assert client.post(f"/netwerkbericht/{key}/").status_code == 200  # again: nothing changes
    assert AdminMessageRecipient.objects.get(user=world.co_admin_a).acknowledged_at == when
    assert AuditEvent.objects.filter(action=AuditEvent.Action.NETWORK_MESSAGE_ACKNOWLEDGED).count() == 1
    forged = key[:-4] + "AAAA"
    assert client.post(f"/netwerkbericht/{forged}/").status_code == 404
    assert AdminMessageRecipient.objects.get(user=world.admin_a).acknowledged_at is None


def test_the_ack_page_speaks_the_message_language(world):
    send(world)
    response = Client().get(f"/netwerkbericht/{_key(world, world.admin_a)}/")
    assert response["Content-Language"] == "fr"


def test_the_coordinator_follows_each_admin_and_an_admin_sees_what_they_received(world):
    sent = send(world).admin_message
    AdminMessageRecipient.objects.filter(user=world.admin_a).update(acknowledged_at="2026-12-06T10:00:00Z")
    coordinator = Client()
    coordinator.force_login(world.coordinator)
    page = coordinator.get(f"/beheer/netwerk/berichten/{sent.pk}/").content.decode()
    assert "Admin_A" in page and "Co_Admin_A" in page
    admin = Client()
    admin.force_login(world.co_admin_a)
    listing = admin.get("/beheer/netwerk/berichten/").content.decode()
    assert "Overleg" in listing
    detail = admin.get(f"/beheer/netwerk/berichten/{sent.pk}/").content.decode()
    assert "Admin_A" not in detail  # not the other admins' rows
    outsider = Client()
    outsider.force_login(world.admin_b)
    assert outsider.get(f"/beheer/netwerk/berichten/{sent.pk}/").status_code == 404


def test_the_desk_form_sends_once_and_refuses_another_municipality(world):
    client = Client()
    client.force_login(world.coordinator)
    data = {
        "gemeente": str(world.testdorp.pk),
        "sub_municipalities": [str(world.north.pk)],
        "urgency": "green",
        "subject": "Overleg",
        "text": "Dinsdag.",
        "request_key": "k1",
    }
    assert client.post("/beheer/netwerk/berichten/nieuw/", data).status_code == 302
    assert client.post("/beheer/netwerk/berichten/nieuw/", data).status_code == 302
    assert AdminMessage.objects.count() == 1
    other = Client()
    other.force_login(world.coordinator_nl)
    assert other.post("/beheer/netwerk/berichten/nieuw/", data).status_code == 404
    bad = {**data, "request_key": "k2", "sub_municipalities": [str(world.north.pk + 100)], "subject": ""}
    response = client.post("/beheer/netwerk/berichten/nieuw/", bad)
    assert response.status_code == 400
    assert AdminMessage.objects.count() == 1
