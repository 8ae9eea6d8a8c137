"""Outgoing messages at rest (ADR 0022): no usable secret link in the database.

A message's texts (``body``, ``short_body``, ``template_params``) wait for their send encrypted
with Fernet (AES-128-CBC and HMAC-SHA256, from ``cryptography``): the columns are
:class:`SealedTextField` and :class:`SealedJSONField`, which encrypt what they write and decrypt
what they read, so the code sees plain text and a database dump or backup sees none. The keys are
``BUURTWACHT_MESSAGE_KEYS`` (newest first), and always also keys derived from ``SECRET_KEY`` and
``SECRET_KEY_FALLBACKS``, so a message sealed before a rotation stays readable.

``cryptography`` is imported when a value is first sealed or opened, not with this module (which
the models import): it costs a process about 6 MB of resident memory, and a web process that
answers lookups and public pages never reads a message.

Once a message no longer needs its links (sent, cancelled, or handed to the recipient's next
channel) its secret links are replaced by "[link removed]" (:func:`links_removed`): a key that
leaks later, with a backup, opens nothing that was delivered. A secret link is a URL of this
site whose route captures a free string (``<str:key>``, ``<token>``, ``<uidb64>``): every link
with a key or token in it, whichever app made it; links to pages (``/beheer/…/12/``,
``/groepen/<slug>/``) and to other sites stay.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from cryptography.fernet import MultiFernet

# What a sealed value starts with; anything else is stored as it is (rows written before the
# columns were sealed, the empty text).
PREFIX = "sealed:v1:"
# What a sealed value reads as when none of the configured keys opens it (a key was dropped
# while the message still waited): such a message is not sent (``delivery._send``).
UNREADABLE = "[unreadable: sealed with a key that is no longer configured]"

_KEY_SALT = "apps.messaging.sealing"


def _derived(secret: str) -> bytes:
    return base64.urlsafe_b64encode(
        salted_hmac(_KEY_SALT, "outgoing messages", secret=secret, algorithm="sha256").digest()
    )


@functools.lru_cache(maxsize=4)
def _fernet_for(keys: tuple[str, ...], secrets: tuple[str, ...]) -> MultiFernet:
    from cryptography.fernet import Fernet, MultiFernet

    try:
        own = [Fernet(key) for key in keys]
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("BUURTWACHT_MESSAGE_KEYS must be Fernet keys, newest first") from exc
    return MultiFernet(own + [Fernet(_derived(secret)) for secret in secrets])


def _fernet() -> MultiFernet:
    keys = tuple(getattr(settings, "BUURTWACHT_MESSAGE_KEYS", ()) or ())
    secrets = (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ()))
    return _fernet_for(keys, secrets)


def seal(text: str) -> str:
    """``text`` encrypted with the newest key; the empty text stays empty."""
    if not text:
        return text
    return PREFIX + _fernet().encrypt(text.encode()).decode("ascii")


def unseal(value: str) -> str:
    """The text of a sealed value; a value that is not sealed comes back as it is."""
    if not value or not value.startswith(PREFIX):
        return value
    from cryptography.fernet import InvalidToken

    try:
        return _fernet().decrypt(value[len(PREFIX) :].encode("ascii")).decode()
    except (InvalidToken, ValueError):
        return UNREADABLE


class SealedTextField(models.TextField):
    """A text column that holds its value encrypted. It cannot be searched: a lookup on it
    compares with a fresh encryption and finds nothing."""

    def from_db_value(self, value, expression, connection):
        return unseal(value) if isinstance(value, str) else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return seal(value) if isinstance(value, str) else value


class SealedJSONField(models.JSONField):
    """A JSON column that holds its (non-empty) value as one encrypted JSON string."""

    def from_db_value(self, value, expression, connection):
        value = super().from_db_value(value, expression, connection)
        if isinstance(value, str) and value.startswith(PREFIX):
            text = unseal(value)
            return [UNREADABLE] if text == UNREADABLE else json.loads(text)
        return value

    def get_prep_value(self, value):
        if value in (None, [], {}, ""):
            return super().get_prep_value(value)
        return super().get_prep_value(seal(json.dumps(value, cls=self.encoder)))


# --- secret links ------------------------------------------------------------------------------

_URL = re.compile(r"https?://[^\s<>\"'`]+")
# A route's free string parameter: ``<str:key>``, ``<token>`` (str is the default converter),
# and the named groups of regular-expression routes.
_FREE_PARAMETER = re.compile(r"<(?:str:)?\w+>")
_TRAILING = ".,;:!?)]}>*_"


def is_secret_link(url: str) -> bool:
    """Whether ``url`` is a link of this site that carries a key or a token."""
    path = urlsplit(url).path or "/"
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return bool(_FREE_PARAMETER.search(match.route or ""))


def secret_links(text: str) -> list[str]:
    """The secret links in ``text``, without the punctuation that may follow them."""
    found = []
    for match in _URL.finditer(text or ""):
        url = match.group(0).rstrip(_TRAILING)
        if is_secret_link(url):
            found.append(url)
    return found


def redact(text: str, language: str = "") -> str:
    """``text`` with each secret link replaced by "[link removed]" in ``language``."""
    links = secret_links(text)
    if not links:
        return text
    with translation.override(language or settings.LANGUAGE_CODE):
        marker = _("[link removed]")
    for url in sorted(set(links), key=len, reverse=True):
        text = text.replace(url, marker)
    return text


def links_removed(message) -> dict:
    """The column values that take the secret links out of ``message`` (its texts as read, in
    plain), for an ``update()``; empty when there is nothing to change or when the message is
    kept for the dev mailbox (e-mails, on a machine where ``/dev/mailbox/`` shows them anyway)."""
    if settings.BUURTWACHT_DEV_MAILBOX and message.channel == "email":
        return {}
    language = message.language
    params = [redact(p, language) if isinstance(p, str) else p for p in (message.template_params or [])]
    return {
        "body": redact(message.body, language),
        "short_body": redact(message.short_body, language),
        "template_params": params,
        "links_removed_at": timezone.now(),
    }
