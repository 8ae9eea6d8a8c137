"""Delivery channels behind one interface.

A transport sends one message and returns the provider's id, or raises
:class:`TransientError` (try again later) or :class:`PermanentError` (stop and show it).
:class:`UncertainError` is a transient error after which the provider may already have the
message (a timeout while waiting for its answer, a connection closed or reset once the request
was sent, a 5xx): the retry is marked a possible repeat. Only a failure known to come before the
request left (connection refused, DNS, connect timeout, a kept-alive connection found closed)
is a plain :class:`TransientError`. A transient error carries the provider's ``Retry-After``
(in seconds), when it gave one; ``delivery`` decides what to make of it.

WhatsApp (Cloud API template messages) and SMS (CM.com) are plain JSON over HTTPS, one request
per message, with a kept-alive connection per worker thread and the provider's throughput
limit per sending identity (``throttle``). Neither API has an idempotency key; each request
carries our message id (WhatsApp ``biz_opaque_callback_data``, CM ``reference``), which the
provider echoes in its status reports, so a repeat can be recognised there.

A message sent again after a send that may have reached the provider (``possible_repeat``) tells
its recipient so, in their language (:func:`with_repeat_notice`): a line before an e-mail's text,
a few words before an SMS's while the SMS stays within its parts. A WhatsApp template message
cannot: its text is the template Meta approved, and its parameters fill fixed places in it.
"""

from __future__ import annotations

import copy
import datetime as dt
import http.client
import json
import re
import select
import smtplib
import threading
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.utils import timezone, translation
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from . import throttle


class TransientError(Exception):
    def __init__(self, *args, retry_after: float | None = None) -> None:
        super().__init__(*args)
        # Seconds the provider asked us to wait (its Retry-After), or None.
        self.retry_after = retry_after


class PermanentError(Exception):
    pass


class UncertainError(TransientError):
    """The request may have reached the provider: a retry may deliver a second copy."""


# An SMS is sent in at most this many parts (CM's maximumNumberOfMessageParts), of 153 GSM-7
# characters each (67 UCS-2 characters when the text has any other character).
SMS_MAX_PARTS = 10
SMS_MAX_CHARS = SMS_MAX_PARTS * 153
_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = set("^{}\\[~]|€\f")  # two characters each


def sms_parts(text: str) -> int:
    """How many parts an SMS of ``text`` takes."""
    if all(ch in _GSM7 or ch in _GSM7_EXTENSION for ch in text):
        units = sum(2 if ch in _GSM7_EXTENSION else 1 for ch in text)
        single, part = 160, 153
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part = 70, 67
    return 1 if units <= single else -(-units // part)


def with_repeat_notice(message):
    """A copy of ``message`` (not saved) whose text tells the recipient, in the message's
    language, that it may arrive twice. An SMS gets it only while it stays within
    ``SMS_MAX_PARTS`` (its own text, with its links, comes first); a WhatsApp template has no
    place for it and goes as it is."""
    outgoing = copy.copy(message)
    with translation.override(message.language or settings.LANGUAGE_CODE):
        if message.channel == EmailTransport.channel:
            notice = _("You may receive this message twice: it was sent again after a delivery problem.")
            outgoing.body = f"{notice}\n\n{message.body}"
        elif message.channel == SmsTransport.channel:
            text = f"{_('(May arrive twice)')} {message.body}"
            if len(text) <= SMS_MAX_CHARS and sms_parts(text) <= SMS_MAX_PARTS:
                outgoing.body = text
    return outgoing


class EmailTransport:
    channel = "email"

    def send(self, message) -> str:
        message_id = f"<bw-{message.pk}-{get_random_string(12)}@{DNS_NAME}>"
        email = EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient],
            headers={"Message-ID": message_id, "X-Buurtwacht-Message": str(message.pk)},
        )
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(f"recipient refused: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
            raise TransientError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientError(f"{type(exc).__name__}: {exc}") from exc
        return message_id


def retry_after(headers: Mapping[str, str], now: dt.datetime | None = None) -> float | None:
    """The seconds a response's ``Retry-After`` asks for (RFC 9110 §10.2.3), or None when it has
    none or none that parses. ``headers`` have lower-case names.

    Both forms: delta-seconds (``120``) and an HTTP-date (IMF-fixdate, or the obsolete RFC 850
    and asctime forms, which RFC 9110 §5.6.7 asks recipients to accept). A date is read against
    the response's own ``Date`` (the provider's clock, so a clock skew between us does not
    count), else against ours; a date in the past means now (0)."""
    value = (headers.get("retry-after") or "").strip()
    if not value:
        return None
    if re.fullmatch(r"[0-9]+", value):
        return float(value) if len(value) < 16 else float(10**15)  # absurd, capped by the caller
    when = _http_date(value)
    if when is None:
        return None
    reference = _http_date((headers.get("date") or "").strip()) or (now or timezone.now())
    return max((when - reference).total_seconds(), 0.0)


def _http_date(value: str) -> dt.datetime | None:
    if not value or not re.search(r"[A-Za-z]", value):
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    # HTTP dates are always GMT; asctime has no zone at all, and the parser leaves it naive.
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)


def _closed_by_peer(sock) -> bool:
    """Whether an idle kept-alive connection has been closed (or reset) by the other end: it
    reads as ready (EOF, or an error) while we expect nothing from it. Known before sending, so
    the request can go on a new connection without any doubt."""
    try:
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return bool(poller.poll(0))
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True


class _Http:
    """JSON POST over one kept-alive connection per thread and host.

    Which failures may have reached the provider (``http.client`` on a plain socket):

    - before the request is written: connecting (``ConnectionRefusedError``, ``socket.gaierror``
      for DNS, ``TimeoutError`` for a connect timeout, TLS errors) and a kept-alive connection
      found closed by the gateway; writing the request itself (``request()`` raises only when not
      all of it could be handed to the kernel, so the gateway has at most part of a request and
      cannot act on it). Safe: a plain :class:`TransientError`, and on a kept-alive connection one
      immediate try on a new connection.
    - after the request was written: waiting for or reading the answer (``TimeoutError`` for a
      read timeout, ``RemoteDisconnected`` when the gateway closes without a word,
      ``ConnectionResetError``, an incomplete or garbled answer). The gateway may have taken the
      message: :class:`UncertainError`, never resent at once; the worker retries it later, marked
      a possible repeat. (A gateway closing an idle connection just as we send looks the same;
      ``_closed_by_peer`` catches the ones closed before.)
    """

    def __init__(self) -> None:
        self._local = threading.local()

    def _connection(self, url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        pool = getattr(self._local, "pool", None)
        if pool is None:
            pool = self._local.pool = {}
        conn = pool.get(key)
        if conn is not None and conn.sock is not None and _closed_by_peer(conn.sock):
            conn.close()  # the gateway closed it while idle: a new one, before anything is sent
        if conn is None:
            cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
            conn = pool[key] = cls(parts.netloc, timeout=timeout)
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return conn, path

    def _drop(self, url: str) -> None:
        parts = urlsplit(url)
        conn = getattr(self._local, "pool", {}).pop((parts.scheme, parts.netloc), None)
        if conn is not None:
            conn.close()

    def post_json(self, url: str, body: dict, headers: dict[str, str], timeout: float) -> tuple[int, dict, dict]:
        """POST ``body``; returns the status, the JSON answer and the answer's headers (names in
        lower case)."""
        data = json.dumps(body, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json", **headers}
        host = urlsplit(url).netloc
        for attempt in (1, 2):
            conn, path = self._connection(url, timeout)
            reused = conn.sock is not None
            try:
                conn.request("POST", path, body=data, headers=headers)
            except (http.client.HTTPException, OSError) as exc:
                # Not connected, or the request was not written in full: the gateway cannot act on it.
                self._drop(url)
                if reused and attempt == 1:
                    continue
                raise TransientError(f"cannot reach {host}: {exc}") from exc
            try:
                response = conn.getresponse()
                raw = response.read()
            except TimeoutError as exc:
                self._drop(url)
                raise UncertainError(f"no answer from {host} within {timeout}s") from exc
            except (http.client.RemoteDisconnected, ConnectionError) as exc:
                # Also on a kept-alive connection: the request was written, the gateway may have it.
                self._drop(url)
                raise UncertainError(f"{host} hung up after the request: {exc}") from exc
            except (http.client.HTTPException, OSError) as exc:
                self._drop(url)
                raise UncertainError(f"{host}: {exc}") from exc
            if response.will_close:
                self._drop(url)
            try:
                payload = json.loads(raw) if raw else {}
            except ValueError:
                payload = {"raw": raw[:200].decode(errors="replace")}
            answer_headers = {name.lower(): value for name, value in response.getheaders()}
            return response.status, payload if isinstance(payload, dict) else {"raw": payload}, answer_headers
        raise TransientError("unreachable")  # pragma: no cover


http_client = _Http()

# Graph error codes that mean "too many messages, later", whatever the HTTP status (Meta sends
# most of them as a 400): the app's call limit (4, a 429), the business account's (80007), the
# phone number's throughput (130429), its spam/quality limit (131048), the pair limit to one
# recipient (131056). The Cloud API gives no Retry-After with them, but one is honoured if given.
WHATSAPP_RATE_CODES = {4, 80007, 130429, 131048, 131056}


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


class WhatsAppTransport:
    """A template message through the WhatsApp Cloud API: POST {api}/{phone-number-id}/messages."""

    channel = "whatsapp"

    @staticmethod
    def configured() -> bool:
        return bool(settings.WHATSAPP_PHONE_NUMBER_ID and settings.WHATSAPP_TOKEN)

    def body(self, message) -> dict:
        return {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": _digits(message.recipient),
            "type": "template",
            "template": {
                "name": message.template or settings.WHATSAPP_ALERT_TEMPLATE,
                "language": {"code": message.language or "nl"},
                "components": [
                    {
                        "type": "body",
                        "parameters": [{"type": "text", "text": str(p)[:1000]} for p in message.template_params],
                    }
                ],
            },
            "biz_opaque_callback_data": f"bw-{message.pk}",
        }

    def send(self, message) -> str:
        if not self.configured():
            raise PermanentError("WhatsApp is not configured")
        phone_id = settings.WHATSAPP_PHONE_NUMBER_ID
        throttle.acquire(f"whatsapp:{phone_id}", settings.WHATSAPP_MESSAGES_PER_SECOND)
        status, data, headers = http_client.post_json(
            f"{settings.WHATSAPP_API_URL}/{phone_id}/messages",
            self.body(message),
            {"Authorization": f"Bearer {settings.WHATSAPP_TOKEN}"},
            settings.BUURTWACHT_DELIVERY_HTTP_TIMEOUT,
        )
        if 200 <= status < 300:
            try:
                return str(data["messages"][0]["id"])
            except (KeyError, IndexError, TypeError) as exc:
                raise UncertainError(f"WhatsApp answered {status} without a message id") from exc
        error = data.get("error") if isinstance(data.get("error"), dict) else {}
        code = error.get("code")
        if isinstance(code, str) and code.isdecimal():
            code = int(code)  # Meta sends a number; some relays pass it on as a string
        text = f"WhatsApp {status} (#{code}): {error.get('message', '')}".strip()
        wait = retry_after(headers)
        if status == 429 or code in WHATSAPP_RATE_CODES:
            raise TransientError(text, retry_after=wait)
        if status >= 500:
            raise UncertainError(text, retry_after=wait)
        raise PermanentError(text)


class SmsTransport:
    """An SMS through CM.com's Business Messaging API (JSON, token in X-CM-PRODUCTTOKEN)."""

    channel = "sms"

    @staticmethod
    def configured() -> bool:
        return bool(settings.SMS_CM_PRODUCT_TOKEN)

    @staticmethod
    def number(phone: str) -> str:
        """E.164 (+32470123456) in CM's international form (0032470123456)."""
        return "00" + _digits(phone)

    def body(self, message) -> dict:
        return {
            "messages": {
                "msg": [
                    {
                        "from": settings.SMS_SENDER,
                        "to": [{"number": self.number(message.recipient)}],
                        "body": {"content": message.body[:SMS_MAX_CHARS], "type": "auto"},
                        "reference": f"bw-{message.pk}",
                        "allowedChannels": ["SMS"],
                        "minimumNumberOfMessageParts": 1,
                        "maximumNumberOfMessageParts": SMS_MAX_PARTS,
                    }
                ]
            }
        }

    def send(self, message) -> str:
        if not self.configured():
            raise PermanentError("SMS is not configured")
        throttle.acquire("sms:cm", settings.SMS_MESSAGES_PER_SECOND)
        status, data, headers = http_client.post_json(
            settings.SMS_CM_URL,
            self.body(message),
            {"X-CM-PRODUCTTOKEN": settings.SMS_CM_PRODUCT_TOKEN},
            settings.BUURTWACHT_DELIVERY_HTTP_TIMEOUT,
        )
        details = data.get("details", "")
        if status == 429:
            raise TransientError(f"CM {status}: {details}", retry_after=retry_after(headers))
        if status >= 500:
            raise UncertainError(f"CM {status}: {details}", retry_after=retry_after(headers))
        messages = data.get("messages") or []
        mine = messages[0] if messages and isinstance(messages[0], dict) else {}
        if 200 <= status < 300 and mine.get("status") == "Accepted":
            return str(mine.get("reference") or f"bw-{message.pk}")
        if mine.get("status") == "Rejected":
            raise PermanentError(f"CM rejected ({mine.get('messageErrorCode')}): {mine.get('messageDetails')}")
        raise PermanentError(f"CM {status} (errorCode {data.get('errorCode')}): {details}")


TRANSPORTS = {"email": EmailTransport(), "whatsapp": WhatsAppTransport(), "sms": SmsTransport()}


def transport_for(channel: str):
    try:
        return TRANSPORTS[channel]
    except KeyError as exc:
        raise PermanentError(f"no transport for channel {channel!r}") from exc
