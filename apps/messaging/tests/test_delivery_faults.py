"""Delivery when the gateways misbehave, against the local fake gateway: a transient error that
runs out of attempts, a rate limit that says when to come back (``Retry-After``), and a
connection that breaks after the request may have reached the provider.

Nothing here sleeps for a back-off: the clock is frozen and the computed next attempt is checked.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import select
import socket
from email.utils import format_datetime
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone

from apps.messaging import services, transports
from apps.messaging.models import DeliveryPreference, OutgoingMessage
from apps.messaging.services import Contact, Content
from testkit.world import World, add_member

from .fake_gateway import (
    HANG_UP,
    RESET,
    FakeGateway,
    cm_error,
    cm_ok,
    free_port,
    sequence,
    then_close,
    whatsapp_error,
    whatsapp_ok,
)

TOKEN = "EAAG-test-token"  # noqa: S105 (fake)
CM_TOKEN = "00000000-0000-0000-0000-000000000000"  # noqa: S105 (fake)
# A whole second: HTTP dates have no fractions, so the expected times are exact.
T = timezone.make_aware(dt.datetime(2026, 11, 21, 14, 0, 0))


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


CONTENT = Content(
    subject="Verdacht voertuig",
    body="Lange tekst voor e-mail.",
    sms="Verdacht voertuig Noordstraat 1",
    template="buurtwacht_alert",
    template_params=("Admin A", "verdacht voertuig", "21-11 14:00 Noordstraat 1", "grijze bestelwagen", "https://x/a"),
)


def prefer(user, channels: str) -> None:
    DeliveryPreference.objects.update_or_create(user=user, defaults={"channels": channels, "whatsapp_opt_in": True})


def queue(user, key="k1") -> OutgoingMessage:
    message = services.queue_for_user(user, CONTENT, urgency="red", topic="test", dedupe_key=key)
    assert message is not None
    return message


def make_due(message: OutgoingMessage) -> None:
    OutgoingMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())


def http_date(when: dt.datetime) -> str:
    return format_datetime(when.astimezone(dt.UTC), usegmt=True)


def deliver_at(message: OutgoingMessage, when: dt.datetime = T) -> OutgoingMessage:
    """Deliver ``message`` with the clock frozen at ``when``; returns it as stored after."""
    OutgoingMessage.objects.filter(pk=message.pk).update(next_attempt_at=when)
    with time_machine.travel(when, tick=False):
        services.deliver(message.pk, "w")
    message.refresh_from_db()
    return message


# --- 1. a transient error that runs out of attempts falls back like a permanent one -----------


GATEWAY_FAULTS = {
    "down": lambda gateway, settings: setattr(settings, "SMS_CM_URL", f"http://127.0.0.1:{free_port()}/v1.0/message"),
    "503": lambda gateway, settings: setattr(gateway, "answer", cm_error(503, "Service Unavailable")),
    "hang-up": lambda gateway, settings: setattr(gateway, "answer", lambda _seen: HANG_UP),
}


@pytest.mark.parametrize("fault", GATEWAY_FAULTS)
def test_sms_out_of_attempts_falls_back_to_email(world: World, sms, settings, caplog, fault):
    """The outage of the issue: an admin's SMS fails transiently until its attempts run out; the
    admin has e-mail, so the alert goes there, as after a permanent failure."""
    settings.BUURTWACHT_DELIVERY_MAX_ATTEMPTS = 3
    GATEWAY_FAULTS[fault](sms, settings)
    prefer(world.admin_a, "sms,email")
    message = queue(world.admin_a)
    assert message.channel == "sms"
    for attempt in (1, 2):
        assert services.deliver(message.pk, "w") == "queued", attempt
        assert not OutgoingMessage.objects.filter(replaces=message).exists()  # not before the last attempt
        make_due(message)
    with caplog.at_level(logging.WARNING, logger="apps.messaging.delivery"):
        assert services.deliver(message.pk, "w") == "failed"
    message.refresh_from_db()
    assert message.status == "failed" and message.attempts == 3
    assert services.NO_CHANNEL_LEFT not in message.last_error
    fallback = OutgoingMessage.objects.get(replaces=message)
    assert (fallback.channel, fallback.recipient) == ("email", world.admin_a.email)
    assert fallback.status == "queued" and fallback.subject == CONTENT.subject and fallback.topic == message.topic
    assert services.latest_attempt(message).pk == fallback.pk
    # Logged as a permanent failure is: a warning naming the message.
    [record] = [r for r in caplog.records if r.name == "apps.messaging.delivery" and r.levelno == logging.WARNING]
    assert str(message.pk) in record.getMessage() and "failed" in record.getMessage()
    assert services.deliver(fallback.pk, "w") == "sent"
    assert [m.to for m in mail.outbox] == [[world.admin_a.email]]


def test_email_after_an_sms_says_what_the_sms_said(world: World, sms, settings):
    settings.BUURTWACHT_DELIVERY_MAX_ATTEMPTS = 1
    sms.answer = cm_error(503, "Service Unavailable")
    prefer(world.admin_a, "sms,email")
    message = queue(world.admin_a)
    assert services.deliver(message.pk, "w") == "failed"
    fallback = OutgoingMessage.objects.get(replaces=message)
    assert fallback.channel == "email" and CONTENT.sms in fallback.body


def test_out_of_attempts_with_no_next_channel_ends_failed_as_before(world: World, sms, settings):
    settings.BUURTWACHT_DELIVERY_MAX_ATTEMPTS = 1
    sms.answer = cm_error(503, "Service Unavailable")
    world.admin_a.email = ""
    world.admin_a.save()
    prefer(world.admin_a, "sms,email")
    message = queue(world.admin_a)
    assert services.deliver(message.pk, "w") == "failed"
    message.refresh_from_db()
    assert message.status == "failed" and "CM 503" in message.last_error
    assert services.NO_CHANNEL_LEFT in message.last_error
    assert OutgoingMessage.objects.count() == 1


def test_a_member_out_of_attempts_in_a_batch_falls_back_too(world: World, sms, settings):
    """Residents (no account) follow their own channel order; the batch loop sends like deliver()."""
    settings.BUURTWACHT_DELIVERY_MAX_ATTEMPTS = 2
    sms.answer = cm_error(502, "Bad Gateway")
    member = add_member(
        world.group_a, 21, alerts_opt_in_at=timezone.now(), alerts_consent_text="Ja.", phone_confirmed_at=timezone.now()
    )
    contact = Contact(phone=member.phone, email=member.email, member_id=member.pk)
    content = Content(subject="Inbraken", body="Sluit ramen en deuren.", sms="Sluit ramen en deuren. Stop: x")
    message = services.queue_for_contact(contact, content, urgency="red", topic="test", dedupe_key="m1")
    assert message.channel == "sms"
    assert services.deliver_batch("w") == 1
    make_due(message)
    assert services.deliver_batch("w") == 1
    message.refresh_from_db()
    assert message.status == "failed" and message.attempts == 2
    fallback = OutgoingMessage.objects.get(replaces=message)
    assert (fallback.channel, fallback.recipient, fallback.member_id) == ("email", member.email, member.pk)


def test_permanent_failure_still_falls_back_at_once(world: World, sms, settings):
    settings.BUURTWACHT_DELIVERY_MAX_ATTEMPTS = 5
    sms.answer = cm_error(400, "No account found for the given authentication", error_code=101)
    prefer(world.admin_a, "sms,email")
    message = queue(world.admin_a)
    assert services.deliver(message.pk, "w") == "failed"
    assert OutgoingMessage.objects.get(replaces=message).channel == "email"


# --- 2. Retry-After ------------------------------------------------------------------------------

# The rate limits in the shapes the providers send them (../shared/data/fixtures): WhatsApp's
# throughput (130429), pair (131056) and account (80007) limits come as HTTP 400 with the code in
# the Graph envelope, the app's call limit (4) as HTTP 429; CM answers 429.
RATE_LIMITS = {
    "whatsapp 130429": (
        "whatsapp",
        lambda h: whatsapp_error(
            400, 130429, "Rate limit hit", h, "Message failed to send because there were too many messages sent"
        ),
    ),
    "whatsapp 131056": (
        "whatsapp",
        lambda h: whatsapp_error(400, 131056, "(Business Account, Consumer Account) pair rate limit hit", h),
    ),
    "whatsapp 80007": ("whatsapp", lambda h: whatsapp_error(400, 80007, "Rate limit issues", h)),
    "whatsapp 4": ("whatsapp", lambda h: whatsapp_error(429, 4, "Application request limit reached", h)),
    "sms 429": ("sms", lambda h: cm_error(429, "Too many requests", h)),
}


def rate_limited(world: World, whatsapp, sms, case: str, headers: dict) -> OutgoingMessage:
    channel, answer = RATE_LIMITS[case]
    gateway = whatsapp if channel == "whatsapp" else sms
    gateway.answer = answer(headers)
    prefer(world.admin_a, "whatsapp,sms,email" if channel == "whatsapp" else "sms,email")
    message = queue(world.admin_a)
    assert message.channel == channel
    return message


@pytest.mark.parametrize("case", RATE_LIMITS)
def test_retry_after_in_seconds_is_honoured(world: World, whatsapp, sms, case):
    message = deliver_at(rate_limited(world, whatsapp, sms, case, {"Retry-After": "120"}))
    assert message.status == "queued" and not message.possible_repeat
    assert message.next_attempt_at == T + dt.timedelta(seconds=120)
    assert not OutgoingMessage.objects.filter(replaces=message).exists()


@pytest.mark.parametrize("case", ["whatsapp 130429", "whatsapp 4", "sms 429"])
@pytest.mark.parametrize(
    "form",
    [
        lambda when: http_date(when),  # IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
        lambda when: when.astimezone(dt.UTC).strftime("%A, %d-%b-%y %H:%M:%S GMT"),  # obsolete RFC 850
        lambda when: when.astimezone(dt.UTC).strftime("%a %b %e %H:%M:%S %Y"),  # obsolete asctime
    ],
    ids=["imf-fixdate", "rfc850", "asctime"],
)
def test_retry_after_as_an_http_date_is_honoured(world: World, whatsapp, sms, case, form):
    message = rate_limited(world, whatsapp, sms, case, {"Retry-After": form(T + dt.timedelta(minutes=5))})
    message = deliver_at(message)
    assert message.status == "queued"
    assert message.next_attempt_at == T + dt.timedelta(minutes=5)


def test_retry_after_date_is_read_against_the_gateways_own_clock(world: World, whatsapp, sms):
    """The gateway's clock runs an hour ahead of ours: its Date header is the reference, so the
    wait is the five minutes it meant, not an hour and five minutes."""
    ahead = T + dt.timedelta(hours=1)
    headers = {"Date": http_date(ahead), "Retry-After": http_date(ahead + dt.timedelta(minutes=5))}
    message = deliver_at(rate_limited(world, whatsapp, sms, "whatsapp 130429", headers))
    assert message.next_attempt_at == T + dt.timedelta(minutes=5)


def test_retry_after_date_without_a_date_header_is_read_against_our_clock(world: World, whatsapp, sms):
    headers = {"Date": None, "Retry-After": http_date(T + dt.timedelta(minutes=3))}
    message = deliver_at(rate_limited(world, whatsapp, sms, "sms 429", headers))
    assert message.next_attempt_at == T + dt.timedelta(minutes=3)


@pytest.mark.parametrize(
    "value",
    ["86400", "99999999999999999999999", http_date(T + dt.timedelta(days=2))],
    ids=["a-day", "absurd", "date-in-two-days"],
)
def test_retry_after_is_capped(world: World, whatsapp, sms, value):
    message = deliver_at(rate_limited(world, whatsapp, sms, "whatsapp 4", {"Retry-After": value}))
    assert message.status == "queued"
    assert message.next_attempt_at == T + services.RETRY_AFTER_MAX


@pytest.mark.parametrize(
    "value", ["0", "1", http_date(T - dt.timedelta(minutes=1))], ids=["zero", "one-second", "date-in-the-past"]
)
def test_retry_after_is_never_shorter_than_the_minimum_back_off(world: World, whatsapp, sms, value):
    message = deliver_at(rate_limited(world, whatsapp, sms, "sms 429", {"Retry-After": value}))
    assert message.next_attempt_at == T + services.RETRY_AFTER_MIN


def test_retry_after_shorter_than_a_grown_back_off_is_honoured(world: World, whatsapp, sms):
    message = rate_limited(world, whatsapp, sms, "whatsapp 130429", {"Retry-After": "60"})
    OutgoingMessage.objects.filter(pk=message.pk).update(attempts=4)  # the fifth try: back-off 8 minutes
    message = deliver_at(message)
    assert message.attempts == 5 and message.next_attempt_at == T + dt.timedelta(seconds=60)


@pytest.mark.parametrize("value", ["soon", "-5", "1.5", "12 34", "Sun, 99 Nov 2026 25:00:00 GMT", ""])
def test_a_retry_after_that_means_nothing_gives_the_normal_back_off(world: World, whatsapp, sms, value):
    message = deliver_at(rate_limited(world, whatsapp, sms, "whatsapp 131056", {"Retry-After": value}))
    assert message.status == "queued" and message.next_attempt_at == T + services.backoff(1)


def test_without_retry_after_the_normal_back_off_is_kept(world: World, whatsapp, sms):
    message = rate_limited(world, whatsapp, sms, "whatsapp 80007", {})
    OutgoingMessage.objects.filter(pk=message.pk).update(attempts=2)
    message = deliver_at(message)
    assert message.next_attempt_at == T + services.backoff(3)


@pytest.mark.parametrize("channel", ["whatsapp", "sms"])
def test_retry_after_on_a_503_is_honoured_and_the_retry_is_a_possible_repeat(world: World, whatsapp, sms, channel):
    if channel == "whatsapp":
        whatsapp.answer = whatsapp_error(503, 2, "Service temporarily unavailable", {"Retry-After": "90"})
        prefer(world.admin_a, "whatsapp,email")
    else:
        sms.answer = cm_error(503, "Service Unavailable", {"Retry-After": "90"})
        prefer(world.admin_a, "sms,email")
    message = deliver_at(queue(world.admin_a))
    assert message.status == "queued" and message.possible_repeat
    assert message.next_attempt_at == T + dt.timedelta(seconds=90)


FIXTURES = Path(django_settings.BASE_DIR).parent / "shared" / "data" / "fixtures"


@pytest.mark.parametrize(
    ("name", "status", "outcome"),
    [
        ("whatsapp/error_rate_limit_130429.json", 400, "queued"),
        ("whatsapp/error_graph_rate_limit_code4.json", 429, "queued"),
        ("whatsapp/error_invalid_token_190.json", 401, "failed"),
        ("whatsapp/error_expired_token_190_463.json", 401, "failed"),
        ("sms_cm_com/send_response_error_no_account_400.json", 400, "failed"),
    ],
)
def test_contract_the_providers_published_errors(world: World, whatsapp, sms, name, status, outcome):
    """The providers' own error payloads (../shared/data, with the HTTP status SOURCES.md gives);
    a rate limit waits as long as Retry-After says, anything else stops and falls back."""
    path = FIXTURES / name
    if not path.exists():
        pytest.skip(f"SKIPPED, not run: the providers' fixtures are not here ({path})")
    payload = json.loads(path.read_text())
    gateway = whatsapp if name.startswith("whatsapp") else sms
    gateway.answer = lambda _seen: (status, payload, {"Retry-After": "45"})
    prefer(world.admin_a, "whatsapp,email" if gateway is whatsapp else "sms,email")
    message = deliver_at(queue(world.admin_a))
    assert message.status == outcome, message.last_error
    if outcome == "queued":
        assert message.next_attempt_at == T + dt.timedelta(seconds=45) and not message.possible_repeat
    else:
        assert OutgoingMessage.objects.get(replaces=message).channel == "email"


# --- 3. a request that may have reached the provider is resent flagged ----------------------


@pytest.mark.parametrize("fault", [HANG_UP, RESET], ids=["hang-up", "reset"])
@pytest.mark.parametrize("channel", ["whatsapp", "sms"])
def test_kept_alive_connection_broken_after_the_request_is_resent_as_a_possible_repeat(
    world: World, whatsapp, sms, channel, fault
):
    """The gateway reads the request on a kept-alive connection and hangs up (or resets) without
    answering: it may have taken the message. It is not sent again at once, and the retry is
    flagged as a possible repeat."""
    gateway = whatsapp if channel == "whatsapp" else sms
    ok = whatsapp_ok if channel == "whatsapp" else cm_ok
    gateway.answer = sequence(ok, lambda _seen: fault, ok)
    prefer(world.admin_a, f"{channel},email")
    first, second = queue(world.admin_a, "k1"), queue(world.admin_a, "k2")
    assert services.deliver(first.pk, "w") == "sent"
    second = deliver_at(second, timezone.now().replace(microsecond=0))
    assert len(gateway.seen) == 2 and gateway.seen[0].peer == gateway.seen[1].peer  # really kept alive
    assert second.status == "queued" and second.possible_repeat, second.last_error
    assert second.next_attempt_at - timezone.now() > dt.timedelta(seconds=20)  # not resent at once
    assert not OutgoingMessage.objects.filter(replaces=second).exists()
    make_due(second)
    assert services.deliver(second.pk, "w") == "sent"
    second.refresh_from_db()
    assert second.possible_repeat and second.attempts == 2 and len(gateway.seen) == 3
    assert gateway.seen[2].peer != gateway.seen[1].peer  # on a new connection


@pytest.mark.parametrize("fault", [HANG_UP, RESET], ids=["hang-up", "reset"])
def test_new_connection_broken_after_the_request_is_a_possible_repeat(world: World, whatsapp, fault):
    whatsapp.answer = lambda _seen: fault
    prefer(world.admin_a, "whatsapp,email")
    message = queue(world.admin_a)
    assert services.deliver(message.pk, "w") == "queued"
    message.refresh_from_db()
    assert message.possible_repeat and len(whatsapp.seen) == 1


def test_read_timeout_is_a_possible_repeat_and_not_resent_at_once(world: World, whatsapp, settings):
    settings.BUURTWACHT_DELIVERY_HTTP_TIMEOUT = 0.2
    whatsapp.delay = 0.5
    prefer(world.admin_a, "whatsapp,email")
    message = queue(world.admin_a)
    assert services.deliver(message.pk, "w") == "queued"
    message.refresh_from_db()
    assert message.possible_repeat and "no answer" in message.last_error and len(whatsapp.seen) == 1


class _WriteSpy:
    """A socket that counts what is written to it (a socket object takes no new attributes)."""

    def __init__(self, sock) -> None:
        self._sock = sock
        self.written = 0

    def sendall(self, data, *args):
        self.written += len(data)
        return self._sock.sendall(data, *args)

    def __getattr__(self, name):
        return getattr(self._sock, name)


def test_gateway_closing_an_idle_kept_alive_connection_is_no_repeat(world: World, whatsapp):
    """A gateway that closed an idle kept-alive connection has seen nothing of the next request:
    the worker notices the closed connection before writing anything on it and sends on a new
    one, unflagged."""
    whatsapp.answer = sequence(lambda seen: then_close(whatsapp_ok(seen)), whatsapp_ok)
    prefer(world.admin_a, "whatsapp,email")
    first, second = queue(world.admin_a, "k1"), queue(world.admin_a, "k2")
    assert services.deliver(first.pk, "w") == "sent"
    whatsapp.wait_closed(1)
    conn = transports.http_client._local.pool[("http", f"127.0.0.1:{whatsapp.port}")]
    assert conn.sock is not None and select.select([conn.sock], [], [], 5.0)[0]  # the FIN has arrived
    conn.sock = spy = _WriteSpy(conn.sock)
    assert services.deliver(second.pk, "w") == "sent"
    assert spy.written == 0  # not a byte on the closed connection
    second.refresh_from_db()
    assert not second.possible_repeat and second.attempts == 1
    assert len(whatsapp.seen) == 2 and whatsapp.seen[0].peer != whatsapp.seen[1].peer


def _refuse_connect(monkeypatch, port: int, exc: Exception) -> None:
    """Connecting to the gateway's port fails with ``exc`` (other connections, e.g. Redis, work)."""
    real = socket.create_connection

    def create_connection(address, *args, **kwargs):
        if address[1] == port:
            raise exc
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)


@pytest.mark.parametrize("fault", ["refused", "dns", "connect-timeout"])
def test_failure_before_sending_is_retried_unflagged(world: World, whatsapp, settings, monkeypatch, fault):
    if fault == "refused":
        settings.WHATSAPP_API_URL = f"http://127.0.0.1:{free_port()}/v23.0"
    elif fault == "dns":
        _refuse_connect(monkeypatch, whatsapp.port, socket.gaierror(socket.EAI_NONAME, "Name or service not known"))
    else:
        _refuse_connect(monkeypatch, whatsapp.port, TimeoutError("timed out"))
    prefer(world.admin_a, "whatsapp,email")
    message = queue(world.admin_a)
    assert services.deliver(message.pk, "w") == "queued"
    message.refresh_from_db()
    assert "cannot reach" in message.last_error and not message.possible_repeat
    assert whatsapp.seen == []
