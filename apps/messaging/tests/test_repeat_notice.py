"""A message sent again after a send that may have reached the provider (``possible_repeat``)
tells its recipient, in their language, that it may arrive twice: before an e-mail's text, before
an SMS's while the SMS stays within its parts; a WhatsApp template goes as it is.

The notice's wording comes from the catalogues; here ``gettext`` is replaced by one that names
the active language, so the tests show which language each recipient gets without depending on
the translations."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone, translation

from apps.messaging import services as messaging
from apps.messaging import transports
from apps.messaging.models import OutgoingMessage
from apps.messaging.services import Content
from apps.messaging.tests.fake_gateway import HANG_UP, FakeGateway, cm_ok, sequence, whatsapp_ok

EMAIL_NOTICE = "You may receive this message twice: it was sent again after a delivery problem."
SMS_NOTICE = "(May arrive twice)"


@pytest.fixture(autouse=True)
def _language_named(monkeypatch):
    monkeypatch.setattr(transports, "_", lambda text: f"{translation.get_language()}|{text}")


@pytest.fixture
def sms(settings):
    gateway = FakeGateway(sequence(HANG_UP, cm_ok))
    settings.SMS_CM_URL = f"{gateway.url}/v1.0/message"
    settings.SMS_CM_PRODUCT_TOKEN = "00000000-0000-0000-0000-000000000000"
    settings.BUURTWACHT_DELIVERY_HTTP_TIMEOUT = 1
    yield gateway
    gateway.close()


@pytest.fixture
def whatsapp(settings):
    gateway = FakeGateway(whatsapp_ok)
    settings.WHATSAPP_API_URL = f"{gateway.url}/v23.0"
    settings.WHATSAPP_PHONE_NUMBER_ID = "106540352242922"
    settings.WHATSAPP_TOKEN = "EAAG-test-token"  # noqa: S105 (fake)
    yield gateway
    gateway.close()


def queue_mail(language: str, key: str = "m") -> OutgoingMessage:
    with translation.override(language):
        return messaging.queue_email(
            to="an@example.org", subject="Onderwerp", body="De tekst.", topic="t", dedupe_key=key
        )


def queue_sms(language: str, text: str, key: str = "s") -> OutgoingMessage:
    content = Content(subject="Alarm", body=text, sms=text, language=language)
    return messaging._queue(
        channel="sms", to="+32470000001", content=content, urgency="red", topic="t", dedupe_key=key,
        group_id=None, municipality_id=None, user_id=None,
    )  # fmt: skip


def again(message: OutgoingMessage) -> None:
    """The worker that sent it died mid-send: it goes out once more, marked a possible repeat."""
    OutgoingMessage.objects.filter(pk=message.pk).update(possible_repeat=True, next_attempt_at=timezone.now())


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_an_email_sent_again_says_so_in_the_recipients_language(db, language):
    message = queue_mail(language)
    assert message.language == language
    again(message)
    assert messaging.deliver(message.pk) == "sent"
    [sent] = mail.outbox
    assert sent.body == f"{language}|{EMAIL_NOTICE}\n\nDe tekst."
    assert sent.subject == "Onderwerp"
    message.refresh_from_db()
    assert message.body == "De tekst."  # the row keeps its own text


def test_a_first_send_has_no_notice(db):
    message = queue_mail("fr")
    assert messaging.deliver(message.pk) == "sent"
    assert mail.outbox[0].body == "De tekst."


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_an_sms_whose_send_may_have_arrived_says_so_when_sent_again(db, sms, language):
    message = queue_sms(language, "Inbraak Noordstraat. Bel 101.")
    # The gateway hangs up after the request: it may have the SMS. Retried later, as a possible repeat.
    assert messaging.deliver(message.pk) == "queued"
    message.refresh_from_db()
    assert message.possible_repeat
    OutgoingMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert messaging.deliver(message.pk) == "sent"
    first, second = (seen.body["messages"]["msg"][0]["body"]["content"] for seen in sms.seen)
    assert first == "Inbraak Noordstraat. Bel 101."
    assert second == f"{language}|{SMS_NOTICE} Inbraak Noordstraat. Bel 101."


def test_an_sms_at_its_limit_goes_without_the_notice(db, sms):
    text = "x" * (transports.SMS_MAX_CHARS - 10)
    message = queue_sms("nl", text)
    again(message)
    sms.answer = cm_ok
    assert messaging.deliver(message.pk) == "sent"
    assert sms.seen[0].body["messages"]["msg"][0]["body"]["content"] == text


def test_a_whatsapp_template_goes_as_it_is(db, whatsapp):
    content = Content(subject="Alarm", body="Tekst", template="buurtwacht_alert", template_params=("a", "b"))
    message = messaging._queue(
        channel="whatsapp", to="+32470000001", content=content, urgency="red", topic="t", dedupe_key="w",
        group_id=None, municipality_id=None, user_id=None,
    )  # fmt: skip
    again(message)
    assert messaging.deliver(message.pk) == "sent"
    params = [p["text"] for p in whatsapp.seen[0].body["template"]["components"][0]["parameters"]]
    assert params == ["a", "b"]


@pytest.mark.parametrize(
    ("text", "parts"),
    [("a" * 160, 1), ("a" * 161, 2), ("a" * 1530, 10), ("€" * 80, 1), ("€" * 81, 2), ("ê" * 70, 1), ("ê" * 71, 2)],
)
def test_sms_parts(text, parts):
    assert transports.sms_parts(text) == parts
