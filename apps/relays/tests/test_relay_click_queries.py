"""A relay to many admins is one click: its messages are written in a few statements, whatever the
number of admins, and each recipient row carries its own message (channel, address, link)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.areas.services import save_area
from apps.core.actors import SYSTEM
from apps.groups.models import Group, GroupAdmin
from apps.incidents.tests.helpers import report
from apps.messaging.models import DeliveryPreference, OutgoingMessage
from apps.relays import services
from apps.relays.models import RelayRecipient
from testkit.world import World, box, make_user


@pytest.fixture(autouse=True)
def _whatsapp(settings):
    # Configured, never reached: nothing is sent in these tests.
    settings.WHATSAPP_API_URL = "http://127.0.0.1:9/v23.0"
    settings.WHATSAPP_PHONE_NUMBER_ID = "106540352242922"
    settings.WHATSAPP_TOKEN = "EAAG-test-token"  # noqa: S105 (fake)


def admins_west_of_noord(world: World, start: int, n: int) -> None:
    """``n`` small groups west of Testdorp Noord, each with an admin; every other one opted in to
    WhatsApp, the others reached by e-mail (SMS is not configured here)."""
    for i in range(start, start + n):
        x = 5.299 - 0.001 * i
        area = save_area(
            actor=SYSTEM, municipality=world.testdorp, name=f"Strook {i}", geometry=box(x - 0.001, 50.75, x, 50.751)
        )
        group = Group.objects.create(
            municipality=world.testdorp, area=area, name=f"Strook {i}", slug=f"strook-{i}", status=Group.Status.ACTIVE
        )
        admin = make_user(f"strook{i}", phone=f"+32471{i:06d}")
        GroupAdmin.objects.create(group=group, user=admin)
        if i % 2:
            DeliveryPreference.objects.create(user=admin, channels="whatsapp,sms,email", whatsapp_opt_in=True)


def relay(world: World):
    return services.send(actor=world.coordinator, incident=report(world), scope="radius", radius_m=5000, urgency="red")


def test_a_relay_to_many_admins_costs_the_statements_of_a_relay_to_a_few(world: World, django_assert_max_num_queries):
    admins_west_of_noord(world, 0, 3)
    incident = report(world)
    with CaptureQueriesContext(connection) as queries:
        small = services.send(actor=world.coordinator, incident=incident, scope="radius", radius_m=5000, urgency="red")
    assert small.recipients.filter(kind="admin").count() == 4  # Admin_B and three more (not the reporter's group)
    admins_west_of_noord(world, 3, 30)
    incident = report(world)
    with django_assert_max_num_queries(len(queries)):
        large = services.send(actor=world.coordinator, incident=incident, scope="radius", radius_m=5000, urgency="red")
    assert large.recipients.filter(kind="admin").count() == 34
    # One message per admin, written with the relay: not a statement (or three) per admin.
    assert OutgoingMessage.objects.filter(dedupe_key__startswith=f"relay:{large.pk}:user:").count() == 34
    assert len(queries) <= 40


def test_each_recipient_row_holds_its_own_message(world: World):
    admins_west_of_noord(world, 0, 6)
    sent = relay(world)
    recipients = list(sent.recipients.select_related("message").prefetch_related("groups"))
    assert len(recipients) == 8  # Admin_B, six more, and the police zone
    for recipient in recipients:
        message = recipient.message
        if recipient.kind == RelayRecipient.Kind.POLICE and not recipient.address:
            assert message is None  # a zone without an address is shown, not sent to
            continue
        assert message.dedupe_key == f"relay:{sent.pk}:user:{recipient.user_id}"
        assert (recipient.channel, recipient.address) == (message.channel, message.recipient)
        assert message.language == recipient.language and message.urgency == "red"
        assert message.group_id == recipient.groups.get().pk
        # The link in the message is the recipient's own: its key hashes to the row's.
        text = message.template_params[-1] if message.channel == "whatsapp" else message.body
        key = text.split("/doorgegeven/")[1].split("/")[0]
        assert RelayRecipient.hash_key(key) == recipient.ack_key_hash
    channels = {r.user.username: r.channel for r in recipients if r.user_id and r.user.username.startswith("strook")}
    assert channels == {f"strook{i}": "whatsapp" if i % 2 else "email" for i in range(6)}


def test_the_status_of_a_relay_unseals_no_message_text(world: World, monkeypatch):
    """A status shows channels, states and errors, never the texts: reading them would decrypt
    three texts per recipient for nothing (a relay's answer lists every recipient's status)."""
    from apps.messaging import sealing

    admins_west_of_noord(world, 0, 6)
    sent = relay(world)
    first = sent.recipients.filter(kind="admin").select_related("message").first().message
    # One recipient's message fell back to the next channel: the status shows the fallback's.
    fallback = OutgoingMessage.objects.create(
        channel="email", recipient="x@example.org", subject="s", body="b", topic="relay", replaces=first
    )
    opened = []
    unseal = sealing.unseal
    monkeypatch.setattr(sealing, "unseal", lambda value: opened.append(value) or unseal(value))
    rows = services.status_rows(sent)
    assert opened == []
    assert len(rows) == 8
    assert [row["channel"] for row in rows if row["message_id"] == fallback.pk] == ["email"]
