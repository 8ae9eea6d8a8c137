"""Broadcasts to the members who asked for alerts: who is reached, on which channel and when,
one message per person, the stop link, and what the sender sees (counts, never residents)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.testing import World, add_member
from apps.members.models import Member
from apps.messaging import services as messaging
from apps.messaging.models import OutgoingMessage
from apps.messaging.tests.fake_gateway import FakeGateway, cm_ok, whatsapp_error
from apps.relays.broadcasts import plan_broadcast, send_broadcast
from apps.relays.models import Broadcast, BroadcastRecipient

NIGHT = dt.datetime(2026, 11, 21, 23, 30)
NOON = dt.datetime(2026, 11, 21, 12, 0)
BOTH = Broadcast.Audience.ADMINS_AND_MEMBERS


def opted_in(group, n: int, **extra) -> Member:
    return add_member(group, n, alerts_opt_in_at=timezone.now(), alerts_consent_text="Ja.", **extra)


def send(world: World, urgency="red", audience=BOTH, actor=None, **scope) -> Broadcast:
    scope = scope or {"zone_id": world.zone.pk}
    return send_broadcast(
        actor=actor or world.police, urgency=urgency, subject="Inbraken", text="Sluit ramen en deuren.",
        audience=audience, **scope,
    )  # fmt: skip


def member_messages(broadcast: Broadcast) -> list[OutgoingMessage]:
    return list(OutgoingMessage.objects.filter(dedupe_key__startswith=f"broadcast:{broadcast.pk}:member:"))


def stop_key(message: OutgoingMessage) -> str:
    text = message.body if message.channel != "whatsapp" else message.template_params[-1]
    return re.search(r"/berichten-stoppen/([^/\s]+)/", text).group(1)


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
    # The admins as before.
    assert {r.user_id for r in broadcast.recipients.filter(kind="admin")} == {world.admin_a.pk, world.admin_b.pk}
    event = AuditEvent.objects.get(action=AuditEvent.Action.BROADCAST_SENT)
    assert (event.data["audience"], event.data["admins"], event.data["members"]) == (BOTH, 2, 2)


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
    # add_member(…, 1) has admin_a's phone number: the same person.
    opted_in(world.group_a, 1)
    same_email = opted_in(world.group_b, 21, email="admin_b@example.org")
    broadcast = send(world)
    assert not member_messages(broadcast)
    assert OutgoingMessage.objects.filter(user_id=world.admin_a.pk).count() == 1
    assert OutgoingMessage.objects.count() == 2
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
    assert sorted(m.recipient for m in member_messages(red)) == ["+32470000032", "+32470000033"]
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
        postcode="3870", town="Testdorp", birth_date=member.birth_date, phone=member.phone, email=member.email,
        language="en", lat=50.755, lon=5.31, house_rules_version=member.house_rules_version,
        house_rules_accepted_at=timezone.now(), access_key_hash="x" * 64, member=member,
    )  # fmt: skip
    [message] = member_messages(send(world, urgency="green"))
    assert app.language == message.language == "en"
    assert "To stop them, open this link" in message.body and "Testdorp Noord" in message.body


# --- the stop link ---------------------------------------------------------------------------


def test_stop_link_get_shows_a_button_and_changes_nothing(client, world: World):
    member = opted_in(world.group_a, 11)
    key = stop_key(member_messages(send(world, urgency="green"))[0])
    page = client.get(reverse("public:alerts_stop", args=[key]))
    assert page.status_code == 200 and "Yes, stop the alerts" in page.content.decode()
    assert page["X-Robots-Tag"].startswith("noindex")
    member.refresh_from_db()
    assert member.receives_alerts
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.MEMBER_ALERTS_OPTED_OUT).exists()


def test_stop_link_post_stops_once_and_cancels_what_waits(client, world: World):
    member = opted_in(world.group_a, 11)
    with time_machine.travel(timezone.make_aware(NIGHT), tick=False):
        [waiting] = member_messages(send(world, urgency="green"))  # held until 07:00
        url = reverse("public:alerts_stop", args=[stop_key(waiting)])
        page = client.post(url)
    assert page.status_code == 200 and "The alerts are stopped" in page.content.decode()
    member.refresh_from_db()
    assert not member.receives_alerts and member.alerts_opt_out_at and member.alerts_opt_out_by is None
    waiting.refresh_from_db()
    assert waiting.status == OutgoingMessage.Status.CANCELLED
    [event] = AuditEvent.objects.filter(action=AuditEvent.Action.MEMBER_ALERTS_OPTED_OUT)
    assert event.actor is None and event.data == {"via": "link"} and event.target_id == str(member.pk)
    # Used again: a clear page, nothing changes, no second event.
    stopped_at = member.alerts_opt_out_at
    again = client.post(url)
    assert again.status_code == 200 and "already stopped" in again.content.decode()
    assert "already stopped" in client.get(url).content.decode()
    member.refresh_from_db()
    assert member.alerts_opt_out_at == stopped_at
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MEMBER_ALERTS_OPTED_OUT).count() == 1
    # The next broadcast does not reach the member.
    assert not member_messages(send(world, urgency="red"))


def test_any_stop_link_works_and_a_sent_message_stays_sent(client, world: World):
    member = opted_in(world.group_a, 11)
    [first] = member_messages(send(world, urgency="red"))
    assert messaging.deliver(first.pk, "w") == "sent"
    [second] = member_messages(send(world, urgency="red"))
    client.post(reverse("public:alerts_stop", args=[stop_key(first)]))
    member.refresh_from_db()
    assert not member.receives_alerts
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "sent" and second.status == "cancelled"


@pytest.mark.parametrize("key", ["wrong", "x" * 43, "x" * 300])
def test_wrong_stop_link_says_so_and_changes_nothing(client, world: World, key):
    member = opted_in(world.group_a, 11)
    [message] = member_messages(send(world, urgency="green"))
    for response in (
        client.get(reverse("public:alerts_stop", args=[key])),
        client.post(reverse("public:alerts_stop", args=[key])),
    ):
        assert response.status_code == 404 and "This link does not work" in response.content.decode()
    member.refresh_from_db()
    message.refresh_from_db()
    assert member.receives_alerts and message.status == "queued"
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.MEMBER_ALERTS_OPTED_OUT).exists()


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
    assert plan.counts == {"admins": 2, "members": 2}
    assert plan_broadcast(world.police, urgency="red", zone_id=world.zone.pk).counts == {"admins": 2, "members": 0}
    assert not Broadcast.objects.exists() and not OutgoingMessage.objects.exists()


def _residents(*members: Member) -> list[str]:
    return [v for m in members for v in (m.full_name, m.phone, m.email, m.street)]


@pytest.mark.parametrize("who", ["police", "coordinator"])
def test_the_sender_sees_counts_never_residents(client, world: World, who):
    members = [opted_in(world.group_a, 11, full_name="Maria Janssens"), opted_in(world.group_b, 12)]
    client.force_login(getattr(world, who))
    url = reverse("relays:broadcast")
    data = {
        "urgency": "red",
        "audience": "admins_and_members",
        "municipality": world.testdorp.pk,
        "subject": "Let op",
        "text": "Inbraken.",
    }
    preview = client.post(url, data).content.decode()
    assert "2 group admins" in preview and "2 members who asked for alerts" in preview
    assert not Broadcast.objects.exists()
    sent = client.post(url, {**data, "send": "1"}).content.decode()
    assert Broadcast.objects.get().recipients.filter(kind="member").count() == 2
    assert "Members who asked for alerts" in sent and "Admin_A" in sent
    for page in (preview, sent):
        for value in _residents(*members):
            assert value not in page


def test_the_sender_sees_member_counts_per_status(client, world: World):
    opted_in(world.group_a, 11)
    opted_in(world.group_a, 12)
    client.force_login(world.police)
    page = client.post(
        reverse("relays:broadcast"),
        {
            "urgency": "red",
            "audience": "admins_and_members",
            "zone": world.zone.pk,
            "subject": "x",
            "text": "y",
            "send": "1",
        },
    ).content.decode()
    assert re.search(r"<td>queued</td><td>2</td>", page)


def test_preview_with_bad_audience_is_refused(client, world: World):
    client.force_login(world.police)
    page = client.post(
        reverse("relays:broadcast"),
        {"urgency": "red", "audience": "everyone", "zone": world.zone.pk, "subject": "x", "text": "y"},
    )
    assert page.status_code == 200 and "Select a valid choice" in page.content.decode()
    assert 'id="preview"' not in page.content.decode() and not Broadcast.objects.exists()


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
