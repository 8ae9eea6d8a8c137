"""Broadcasts to the members who asked for alerts: who is reached, on which channel and when,
one message per person, the stop link and its key.

The stop link's page: apps/public/tests/test_alerts_stop.py; what the sender sees on the broadcast
page: apps/staff/tests/test_broadcast_page.py."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.members.models import Member
from apps.messaging import services as messaging
from apps.messaging.models import OutgoingMessage
from apps.messaging.tests.fake_gateway import FakeGateway, cm_ok, whatsapp_error
from apps.relays.broadcasts import plan_broadcast, send_broadcast
from apps.relays.models import Broadcast, BroadcastRecipient
from testkit.world import World, add_member

from .helpers import BOTH, NIGHT, member_messages, opted_in, send, stop_key

NOON = dt.datetime(2026, 11, 21, 12, 0)


@pytest.fixture
def sms(settings):
    gateway = FakeGateway(cm_ok)
    settings.SMS_CM_URL = f"{gateway.url}/v1.0/message"
    settings.SMS_CM_PRODUCT_TOKEN = "00000000-0000-0000-0000-000000000000"
    settings.BUURTWACHT_DELIVERY_HTTP_TIMEOUT = 1
    yield gateway
    gateway.close()


@pytest.fixture
def whatsapp(settings):
    gateway = FakeGateway(whatsapp_error(400, 131026, "Message undeliverable"))
    settings.WHATSAPP_API_URL = f"{gateway.url}/v23.0"
    settings.WHATSAPP_PHONE_NUMBER_ID = "106540352242922"
    settings.WHATSAPP_TOKEN = "EAAG-test-token"  # noqa: S105 (fake)
    settings.BUURTWACHT_DELIVERY_HTTP_TIMEOUT = 1
    yield gateway
    gateway.close()


# --- who is reached --------------------------------------------------------------------------


def test_only_current_members_who_agreed_and_did_not_stop_are_reached(world: World):
    yes_a = opted_in(world.group_a, 11)
    yes_b = opted_in(world.group_b, 12)
    add_member(world.group_a, 13)  # did not tick the box
    opted_in(world.group_a, 14, alerts_opt_out_at=timezone.now())  # stopped
    opted_in(world.group_a, 15, left_at=timezone.now())  # left the group
    opted_in(world.group_nl, 16)  # outside the zone
    broadcast = send(world)
    reached = {r.member_id for r in broadcast.recipients.filter(kind="member")}
    assert reached == {yes_a.pk, yes_b.pk}
    assert {m.member_id for m in member_messages(broadcast)} == {yes_a.pk, yes_b.pk}
    # The admins as before: every admin of the zone's groups, co-admins included.
    admins = {world.admin_a.pk, world.co_admin_a.pk, world.admin_b.pk}
    assert {r.user_id for r in broadcast.recipients.filter(kind="admin")} == admins
    event = AuditEvent.objects.get(action=AuditEvent.Action.BROADCAST_SENT)
    assert (event.data["audience"], event.data["admins"], event.data["members"]) == (BOTH, 3, 2)


def test_admins_only_is_the_default_and_reaches_no_member(world: World):
    opted_in(world.group_a, 11)
    broadcast = send_broadcast(
        actor=world.coordinator, urgency="red", subject="x", text="y", municipality_id=world.testdorp.pk
    )
    assert broadcast.audience == Broadcast.Audience.ADMINS
    assert not broadcast.recipients.filter(kind="member").exists()
    assert not OutgoingMessage.objects.filter(member_id__isnull=False).exists()


def test_an_unknown_audience_is_refused_and_nothing_is_stored(world: World):
    opted_in(world.group_a, 11)
    with pytest.raises(ValidationError) as excinfo:
        send(world, audience="everyone")
    assert "audience" in excinfo.value.message_dict
    assert not Broadcast.objects.exists() and not OutgoingMessage.objects.exists()


def test_a_member_who_is_also_an_admin_gets_one_message(world: World):
    opted_in(world.group_a, 1, phone=world.admin_a.phone)  # admin_a's own phone: the same person
    same_email = opted_in(world.group_b, 21, email="admin_b@example.org")
    broadcast = send(world)
    assert not member_messages(broadcast)
    assert OutgoingMessage.objects.filter(user_id=world.admin_a.pk).count() == 1
    # Only the admins' messages, one each (admin and co-admin of A, admin of B).
    admins = [world.admin_a.pk, world.co_admin_a.pk, world.admin_b.pk]
    assert sorted(OutgoingMessage.objects.values_list("user_id", flat=True)) == sorted(admins)
    assert not broadcast.recipients.filter(member=same_email).exists()


def test_one_message_per_person_and_per_address(world: World):
    first = opted_in(world.group_a, 31)
    opted_in(world.group_b, 31)  # the same phone in both groups of the zone
    opted_in(world.group_a, 32, email="gezin@example.org")
    opted_in(world.group_a, 33, email="gezin@example.org")  # a household sharing one e-mail address
    red = send(world, urgency="red")
    # Red goes to each phone (here by e-mail: no SMS or WhatsApp configured, so the shared
    # address is written to once as well).
    assert len(member_messages(red)) == 2
    assert red.recipients.filter(member=first).count() == 1
    keys = [m.dedupe_key for m in member_messages(red)]
    assert len(keys) == len(set(keys))


def test_shared_email_is_not_deduplicated_when_red_goes_by_phone(world: World, sms):
    opted_in(world.group_a, 32, email="gezin@example.org")
    opted_in(world.group_a, 33, email="gezin@example.org")
    red = send(world, urgency="red")
    assert sorted(m.recipient for m in member_messages(red)) == ["+32478000032", "+32478000033"]
    green = send(world, urgency="green")
    assert [m.recipient for m in member_messages(green)] == ["gezin@example.org"]


# --- channels and quiet hours ----------------------------------------------------------------


def test_red_goes_by_whatsapp_first_then_sms_and_now_even_at_night(world: World, sms, whatsapp):
    member = opted_in(world.group_a, 11)
    with time_machine.travel(timezone.make_aware(NIGHT), tick=False):
        broadcast = send(world, urgency="red")
        [message] = member_messages(broadcast)
        assert message.next_attempt_at == timezone.now()
    assert (message.channel, message.recipient, message.member_id) == ("whatsapp", member.phone, member.pk)
    assert message.template == "buurtwacht_broadcast_member"
    sender, subject, text, url = message.template_params
    assert (subject, text) == ("Inbraken", "Sluit ramen en deuren.") and "/berichten-stoppen/" in url
    # WhatsApp says the number is not on WhatsApp: the same alert goes by SMS, with the stop link.
    with time_machine.travel(timezone.make_aware(NIGHT) + dt.timedelta(minutes=1), tick=False):
        assert messaging.deliver(message.pk, "w") == "failed"
        fallback = OutgoingMessage.objects.get(replaces=message)
        assert (fallback.channel, fallback.recipient, fallback.member_id) == ("sms", member.phone, member.pk)
        assert stop_key(fallback) == stop_key(message)
        assert messaging.deliver(fallback.pk, "w") == "sent"
    assert sms.seen[0].body["messages"]["msg"][0]["body"]["content"].startswith("Inbraken: Sluit ramen")


def test_red_goes_by_sms_without_whatsapp(world: World, sms):
    member = opted_in(world.group_a, 11)
    [message] = member_messages(send(world, urgency="red"))
    assert (message.channel, message.recipient) == ("sms", member.phone)
    assert message.body.startswith("Inbraken: Sluit ramen en deuren.") and "/berichten-stoppen/" in message.body


def test_a_long_text_keeps_the_stop_link_in_the_sms(world: World, sms):
    opted_in(world.group_a, 11)
    broadcast = send_broadcast(
        actor=world.police, urgency="red", subject="Let op", text="woord " * 300, zone_id=world.zone.pk, audience=BOTH
    )
    [message] = member_messages(broadcast)
    assert len(message.body) <= 600 and re.search(r"/berichten-stoppen/[^/\s]+/$", message.body)


def test_red_falls_back_to_email_when_no_phone_channel_is_configured(world: World):
    member = opted_in(world.group_a, 11)
    [message] = member_messages(send(world, urgency="red"))
    assert (message.channel, message.recipient) == ("email", member.email)


def test_no_fallback_after_the_member_stopped(world: World, sms, whatsapp):
    member = opted_in(world.group_a, 11)
    [message] = member_messages(send(world, urgency="red"))
    Member.objects.filter(pk=member.pk).update(alerts_opt_out_at=timezone.now())
    assert messaging.deliver(message.pk, "w") == "failed"
    assert not OutgoingMessage.objects.filter(replaces=message).exists()
    message.refresh_from_db()
    assert messaging.NO_CHANNEL_LEFT in message.last_error


def test_green_goes_by_email_and_waits_until_seven_at_night(world: World, sms):
    member = opted_in(world.group_a, 11)
    with time_machine.travel(timezone.make_aware(NIGHT), tick=False):
        [message] = member_messages(send(world, urgency="green"))
    assert (message.channel, message.recipient) == ("email", member.email)
    assert timezone.localtime(message.next_attempt_at) == timezone.make_aware(dt.datetime(2026, 11, 22, 7, 0))
    with time_machine.travel(timezone.make_aware(NOON), tick=False):
        [message] = member_messages(send(world, urgency="green"))
        assert message.next_attempt_at == timezone.now()


def test_green_at_half_past_six_in_the_morning_waits_until_seven(world: World):
    opted_in(world.group_a, 11)
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 11, 22, 6, 30)), tick=False):
        [message] = member_messages(send(world, urgency="green"))
    assert timezone.localtime(message.next_attempt_at) == timezone.make_aware(dt.datetime(2026, 11, 22, 7, 0))


def test_member_message_is_in_the_language_of_the_application(world: World):
    from apps.applications.models import Application

    member = opted_in(world.group_a, 11)
    app = Application.objects.create(
        group=world.group_a, status="approved", full_name=member.full_name, street="Noordstraat", house_number="11",
        postcode="3870", town="Testdorp", age_checked_on=member.age_checked_on, phone=member.phone, email=member.email,
        language="en", lat=50.755, lon=5.31, house_rules_version=member.house_rules_version,
        house_rules_accepted_at=timezone.now(), access_key_hash="x" * 64, member=member,
    )  # fmt: skip
    [message] = member_messages(send(world, urgency="green"))
    assert app.language == message.language == "en"
    assert "To stop them, open this link" in message.body and "Testdorp Noord" in message.body


# --- the stop link ---------------------------------------------------------------------------


def test_an_admins_message_has_no_stop_link(client, world: World):
    opted_in(world.group_a, 11)
    broadcast = send(world, urgency="green")
    admin = OutgoingMessage.objects.get(user_id=world.admin_a.pk)
    assert "/berichten-stoppen/" not in admin.body
    assert broadcast.recipients.get(user=world.admin_a).stop_key_hash is None


def test_only_the_hash_of_the_stop_key_is_stored(world: World):
    opted_in(world.group_a, 11)
    broadcast = send(world, urgency="green")
    [message] = member_messages(broadcast)
    key = stop_key(message)
    recipient = broadcast.recipients.get(kind="member")
    assert recipient.stop_key_hash == BroadcastRecipient.hash_key(key) and key not in recipient.stop_key_hash


# --- what the sender sees --------------------------------------------------------------------


def test_preview_counts_admins_and_members_without_sending(world: World):
    opted_in(world.group_a, 11)
    opted_in(world.group_b, 12)
    add_member(world.group_b, 13)
    plan = plan_broadcast(world.police, urgency="red", audience=BOTH, zone_id=world.zone.pk)
    # Three admins in the zone: admin and co-admin of A, admin of B.
    assert plan.counts == {"admins": 3, "members": 2}
    assert plan_broadcast(world.police, urgency="red", zone_id=world.zone.pk).counts == {"admins": 3, "members": 0}
    assert not Broadcast.objects.exists() and not OutgoingMessage.objects.exists()


def test_preview_and_member_counts_take_the_same_queries_for_many_members(world: World):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.relays.broadcasts import member_counts

    def queries(n_members: int) -> tuple[int, int]:
        for n in range(n_members):
            opted_in(world.group_a if n % 2 else world.group_b, 100 + n + 1000 * n_members)
        with CaptureQueriesContext(connection) as preview:
            plan_broadcast(world.police, urgency="green", audience=BOTH, zone_id=world.zone.pk)
        broadcast = send(world, urgency="green")
        with CaptureQueriesContext(connection) as counts:
            member_counts(broadcast)
        return len(preview), len(counts)

    assert queries(3) == queries(30)  # the second round sees 33 members
