"""WhatsApp (Cloud API) and SMS (CM.com) behind the transport interface, against local fake
gateways: request shape, authentication, throughput, and the failures."""

from __future__ import annotations

import datetime as dt
from collections import deque

import pytest
import time_machine
from django.utils import timezone

from apps.messaging import services
from apps.messaging.models import DeliveryPreference, OutgoingMessage
from apps.messaging.services import Content
from apps.messaging.transports import TRANSPORTS
from testkit.world import World

from .fake_gateway import FakeGateway, cm_ok, cm_rejected, free_port, whatsapp_error, whatsapp_ok

TOKEN = "EAAG-test-token"  # noqa: S105 (fake)
CM_TOKEN = "00000000-0000-0000-0000-000000000000"  # noqa: S105 (fake)


@pytest.fixture
def whatsapp(settings):
    gateway = FakeGateway(whatsapp_ok)
    settings.WHATSAPP_API_URL = f"{gateway.url}/v23.0"
    settings.WHATSAPP_PHONE_NUMBER_ID = "106540352242922"
    settings.WHATSAPP_TOKEN = TOKEN
    settings.BUURTWACHT_DELIVERY_HTTP_TIMEOUT = 1
    yield gateway
    gateway.close()


@pytest.fixture
def sms(settings):
    gateway = FakeGateway(cm_ok)
    settings.SMS_CM_URL = f"{gateway.url}/v1.0/message"
    settings.SMS_CM_PRODUCT_TOKEN = CM_TOKEN
    settings.SMS_SENDER = "Buurtwacht"
    settings.BUURTWACHT_DELIVERY_HTTP_TIMEOUT = 1
    yield gateway
    gateway.close()


def opt_in(user, channels="whatsapp,sms,email"):
    DeliveryPreference.objects.update_or_create(user=user, defaults={"channels": channels, "whatsapp_opt_in": True})


CONTENT = Content(
    subject="Verdacht voertuig",
    body="Lange tekst voor e-mail.",
    sms="Verdacht voertuig Noordstraat 1",
    template="buurtwacht_alert",
    template_params=("Admin A", "verdacht voertuig", "21-11 14:00 Noordstraat 1", "grijze bestelwagen", "https://x/a"),
)


def queue(user, key="k1", urgency="red") -> OutgoingMessage:
    message = services.queue_for_user(user, CONTENT, urgency=urgency, topic="test", dedupe_key=key)
    assert message is not None
    return message


def test_whatsapp_template_message_shape_auth_and_provider_id(world: World, whatsapp):
    opt_in(world.admin_a)
    message = queue(world.admin_a)
    assert message.channel == "whatsapp" and message.recipient == "+32470000001"
    assert services.deliver(message.pk, "w") == "sent"
    [seen] = whatsapp.seen
    assert seen.path == "/v23.0/106540352242922/messages"
    assert seen.headers["authorization"] == f"Bearer {TOKEN}"
    assert seen.headers["content-type"] == "application/json"
    body = seen.body
    assert body["messaging_product"] == "whatsapp" and body["recipient_type"] == "individual"
    assert body["to"] == "32470000001" and body["type"] == "template"
    assert body["template"]["name"] == "buurtwacht_alert" and body["template"]["language"] == {"code": "nl"}
    params = body["template"]["components"][0]["parameters"]
    assert [p["text"] for p in params] == list(CONTENT.template_params)
    assert body["biz_opaque_callback_data"] == f"bw-{message.pk}"
    message.refresh_from_db()
    assert message.provider_message_id.startswith("wamid.") and message.status == "sent"


def test_sms_through_cm_shape_auth_and_reference(world: World, sms):
    DeliveryPreference.objects.create(user=world.admin_a, channels="sms,email")
    message = queue(world.admin_a)
    assert message.channel == "sms" and message.body == CONTENT.sms
    assert services.deliver(message.pk, "w") == "sent"
    [seen] = sms.seen
    assert seen.path == "/v1.0/message" and seen.headers["x-cm-producttoken"] == CM_TOKEN
    msg = seen.body["messages"]["msg"][0]
    assert msg["from"] == "Buurtwacht" and msg["to"] == [{"number": "0032470000001"}]
    assert msg["body"] == {"content": CONTENT.sms, "type": "auto"} and msg["allowedChannels"] == ["SMS"]
    assert msg["reference"] == f"bw-{message.pk}"
    message.refresh_from_db()
    assert message.provider_message_id == f"bw-{message.pk}"


def test_whatsapp_throughput_per_phone_number_is_respected(world: World, whatsapp, settings):
    settings.WHATSAPP_MESSAGES_PER_SECOND = 25
    opt_in(world.admin_a)
    messages = [queue(world.admin_a, key=f"k{i}") for i in range(40)]
    for m in messages:
        services.deliver(m.pk, "w")
    times = [s.at for s in whatsapp.seen]
    assert len(times) == 40
    window: deque[float] = deque()
    for t in times:  # no second holds more than the limit (one slot of slack for timer jitter)
        window.append(t)
        while window[0] <= t - 1.0:
            window.popleft()
        assert len(window) <= 26
    assert times[-1] - times[0] >= 39 / 25 - 0.05


def test_gateway_down_is_retried_later(world: World, whatsapp, settings):
    settings.WHATSAPP_API_URL = f"http://127.0.0.1:{free_port()}/v23.0"
    opt_in(world.admin_a)
    message = queue(world.admin_a)
    assert services.deliver(message.pk, "w") == "queued"
    message.refresh_from_db()
    assert message.attempts == 1 and "cannot reach" in message.last_error
    assert not message.possible_repeat and message.next_attempt_at > timezone.now()


def test_slow_gateway_times_out_and_the_retry_is_a_possible_repeat(world: World, whatsapp):
    whatsapp.delay = 1.5
    opt_in(world.admin_a)
    message = queue(world.admin_a)
    assert services.deliver(message.pk, "w") == "queued"
    message.refresh_from_db()
    assert "no answer" in message.last_error and message.possible_repeat


@pytest.mark.parametrize(
    "answer",
    [whatsapp_error(400, 130429, "Rate limit hit"), whatsapp_error(429, 4, "Application request limit reached")],
)
def test_rate_limited_by_the_gateway_is_retried_with_backoff(world: World, whatsapp, answer):
    whatsapp.answer = answer
    opt_in(world.admin_a)
    message = queue(world.admin_a)
    assert services.deliver(message.pk, "w") == "queued"
    message.refresh_from_db()
    assert message.status == "queued" and not message.possible_repeat
    assert message.next_attempt_at >= timezone.now() + dt.timedelta(seconds=25)
    assert not OutgoingMessage.objects.exclude(pk=message.pk).exists()  # no fallback for a transient error


def test_worker_killed_after_sending_before_recording_sends_once_more_marked(world: World, whatsapp):
    opt_in(world.admin_a)
    message = queue(world.admin_a)
    # The worker claims and sends, then dies before it records anything.
    assert services.claim(message.pk, "doomed")
    TRANSPORTS["whatsapp"].send(OutgoingMessage.objects.get(pk=message.pk))
    assert len(whatsapp.seen) == 1
    assert services.release_abandoned() == 0  # not yet: it might still be working
    with time_machine.travel(timezone.now() + services.SENDING_TIMEOUT + dt.timedelta(seconds=1)):
        assert services.deliver_due("survivor") == 1
        assert services.deliver_due("survivor") == 0
    message.refresh_from_db()
    assert message.status == "sent" and message.possible_repeat and message.attempts == 2
    assert len(whatsapp.seen) == 2  # sent again exactly once
    # Same callback data both times: the status webhooks show the provider the repeat.
    assert {s.body["biz_opaque_callback_data"] for s in whatsapp.seen} == {f"bw-{message.pk}"}


def test_permanent_failure_falls_back_to_the_next_channel(world: World, whatsapp, sms):
    whatsapp.answer = whatsapp_error(400, 131026, "Message undeliverable")
    opt_in(world.admin_a)
    message = queue(world.admin_a)
    assert services.deliver(message.pk, "w") == "failed"
    fallback = OutgoingMessage.objects.get(replaces=message)
    assert fallback.channel == "sms" and fallback.body == CONTENT.sms
    assert services.deliver(fallback.pk, "w") == "sent"
    assert services.latest_attempt(message).pk == fallback.pk


def test_recipient_with_no_channel_left(world: World, whatsapp, sms):
    whatsapp.answer = whatsapp_error(400, 131026, "Message undeliverable")
    sms.answer = cm_rejected
    world.admin_a.email = ""
    world.admin_a.save()
    opt_in(world.admin_a)
    first = queue(world.admin_a)
    services.deliver(first.pk, "w")
    second = OutgoingMessage.objects.get(replaces=first)
    assert services.deliver(second.pk, "w") == "failed"
    second.refresh_from_db()
    assert second.channel == "sms" and "no channel left" in second.last_error
    assert "Invalid recipient" in second.last_error
    assert OutgoingMessage.objects.count() == 2


def test_nobody_to_reach_gives_no_message(world: World):
    world.admin_a.email = ""
    world.admin_a.phone = ""
    world.admin_a.save()
    assert services.queue_for_user(world.admin_a, CONTENT, urgency="red", topic="t", dedupe_key="k") is None


def test_invalid_token_is_permanent(world: World, whatsapp):
    whatsapp.answer = whatsapp_error(401, 190, "Invalid OAuth access token")
    opt_in(world.admin_a, channels="whatsapp")
    message = queue(world.admin_a)
    assert services.deliver(message.pk, "w") == "failed"
    message.refresh_from_db()
    assert "#190" in message.last_error
    # e-mail stays a last resort: the admin has an address
    assert OutgoingMessage.objects.get(replaces=message).channel == "email"


def test_unconfigured_channels_are_skipped(world: World):
    opt_in(world.admin_a)
    assert services.channels_for(world.admin_a, "red") == [("email", "admin_a@example.org")]


def test_whatsapp_needs_opt_in(world: World, whatsapp):
    DeliveryPreference.objects.create(user=world.admin_a, channels="whatsapp,email", whatsapp_opt_in=False)
    assert [c for c, _ in services.channels_for(world.admin_a, "red")] == ["email"]


def test_quiet_hours_green_waits_until_morning_red_goes_now(world: World, whatsapp):
    opt_in(world.admin_a)
    night = timezone.make_aware(dt.datetime(2026, 11, 21, 23, 30))
    with time_machine.travel(night, tick=False):
        green = queue(world.admin_a, key="green", urgency="green")
        red = queue(world.admin_a, key="red", urgency="red")
        assert green.channel == "email" and red.channel == "whatsapp"
        assert timezone.localtime(green.next_attempt_at) == timezone.make_aware(dt.datetime(2026, 11, 22, 7, 0))
        assert red.next_attempt_at == night
        assert services.deliver(green.pk, "w") is None  # not due
        assert services.deliver(red.pk, "w") == "sent"


def test_own_quiet_hours(world: World):
    DeliveryPreference.objects.create(user=world.admin_a, quiet_start=dt.time(13, 0), quiet_end=dt.time(14, 0))
    noon = timezone.make_aware(dt.datetime(2026, 11, 21, 13, 15))
    with time_machine.travel(noon, tick=False):
        assert timezone.localtime(services.quiet_until(world.admin_a)).time() == dt.time(14, 0)
    with time_machine.travel(noon + dt.timedelta(hours=2), tick=False):
        assert services.quiet_until(world.admin_a) is None
