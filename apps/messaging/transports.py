"""Delivery channels behind one interface.

A transport sends one message and returns the provider's id, or raises
:class:`TransientError` (try again later) or :class:`PermanentError` (stop and show it).
"""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.utils.crypto import get_random_string


class TransientError(Exception):
    pass


class PermanentError(Exception):
    pass


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


TRANSPORTS = {"email": EmailTransport()}


def transport_for(channel: str):
    try:
        return TRANSPORTS[channel]
    except KeyError as exc:
        raise PermanentError(f"no transport for channel {channel!r}") from exc
