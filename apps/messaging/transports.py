"""Delivery channels behind one interface.

A transport sends one message and returns the provider's id, or raises
:class:`TransientError` (try again later) or :class:`PermanentError` (stop and show it).
:class:`UncertainError` is a transient error after which the provider may already have the
message (a timeout while waiting for its answer, a 5xx): the retry is marked a possible repeat.

WhatsApp (Cloud API template messages) and SMS (CM.com) are plain JSON over HTTPS, one request
per message, with a kept-alive connection per worker thread and the provider's throughput
limit per sending identity (``throttle``). Neither API has an idempotency key; each request
carries our message id (WhatsApp ``biz_opaque_callback_data``, CM ``reference``), which the
provider echoes in its status reports, so a repeat can be recognised there.
"""

from __future__ import annotations

import http.client
import json
import smtplib
import threading
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.utils.crypto import get_random_string

from . import throttle


class TransientError(Exception):
    pass


class PermanentError(Exception):
    pass


class UncertainError(TransientError):
    """The request may have reached the provider: a retry may deliver a second copy."""


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


class _Http:
    """JSON POST over one kept-alive connection per thread and host."""

    def __init__(self) -> None:
        self._local = threading.local()

    def _connection(self, url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        pool = getattr(self._local, "pool", None)
        if pool is None:
            pool = self._local.pool = {}
        conn = pool.get(key)
        if conn is None:
            cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
            conn = pool[key] = cls(parts.netloc, timeout=timeout)
        conn.timeout = timeout
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return conn, path

    def _drop(self, url: str) -> None:
        parts = urlsplit(url)
        conn = getattr(self._local, "pool", {}).pop((parts.scheme, parts.netloc), None)
        if conn is not None:
            conn.close()

    def post_json(self, url: str, body: dict, headers: dict[str, str], timeout: float) -> tuple[int, dict, dict]:
        data = json.dumps(body, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json", **headers}
        for attempt in (1, 2):
            conn, path = self._connection(url, timeout)
            reused = conn.sock is not None
            try:
                conn.request("POST", path, body=data, headers=headers)
            except (ConnectionError, OSError) as exc:
                # Nothing was sent (or the kept-alive connection had been closed): safe to try again.
                self._drop(url)
                if reused and attempt == 1:
                    continue
                raise TransientError(f"cannot reach {urlsplit(url).netloc}: {exc}") from exc
            try:
                response = conn.getresponse()
                raw = response.read()
            except TimeoutError as exc:
                self._drop(url)
                raise UncertainError(f"no answer from {urlsplit(url).netloc} within {timeout}s") from exc
            except (http.client.RemoteDisconnected, ConnectionError) as exc:
                self._drop(url)
                if reused and attempt == 1 and isinstance(exc, http.client.RemoteDisconnected):
                    # A kept-alive connection the server had closed: the request never arrived.
                    continue
                raise UncertainError(f"{urlsplit(url).netloc} hung up: {exc}") from exc
            except (http.client.HTTPException, OSError) as exc:
                self._drop(url)
                raise UncertainError(f"{urlsplit(url).netloc}: {exc}") from exc
            if response.will_close:
                self._drop(url)
            try:
                payload = json.loads(raw) if raw else {}
            except ValueError:
                payload = {"raw": raw[:200].decode(errors="replace")}
            return response.status, payload if isinstance(payload, dict) else {"raw": payload}, dict(response.headers)
        raise TransientError("unreachable")  # pragma: no cover


http_client = _Http()

# Graph error codes that mean "too many messages, later": throughput, pair rate, spam rate, generic.
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
        status, data, _headers = http_client.post_json(
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
        text = f"WhatsApp {status} (#{code}): {error.get('message', '')}".strip()
        if status == 429 or code in WHATSAPP_RATE_CODES:
            raise TransientError(text)
        if status >= 500:
            raise UncertainError(text)
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
                        "body": {"content": message.body[:1530], "type": "auto"},
                        "reference": f"bw-{message.pk}",
                        "allowedChannels": ["SMS"],
                        "minimumNumberOfMessageParts": 1,
                        "maximumNumberOfMessageParts": 10,
                    }
                ]
            }
        }

    def send(self, message) -> str:
        if not self.configured():
            raise PermanentError("SMS is not configured")
        throttle.acquire("sms:cm", settings.SMS_MESSAGES_PER_SECOND)
        status, data, _headers = http_client.post_json(
            settings.SMS_CM_URL,
            self.body(message),
            {"X-CM-PRODUCTTOKEN": settings.SMS_CM_PRODUCT_TOKEN},
            settings.BUURTWACHT_DELIVERY_HTTP_TIMEOUT,
        )
        details = data.get("details", "")
        if status == 429:
            raise TransientError(f"CM {status}: {details}")
        if status >= 500:
            raise UncertainError(f"CM {status}: {details}")
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
