"""A member confirms their phone number before any alert goes to it by SMS or WhatsApp.

When a member agrees to alerts (on the application form, carried over on approval, or through
their admin), a six-digit code goes to their phone by SMS and an e-mail gives them a secret link
to the page where they type it. Until they do, alerts reach them by e-mail only
(``Member.alert_phone`` is empty). See ADR 0029.

- The link: 32 random bytes, only the SHA-256 stored, valid ``LINK_VALID``.
- The code: an HMAC of it keyed with the site's secret (a plain hash of six digits is guessed in
  a second), valid ``CODE_VALID``; after ``MAX_TRIES`` wrong ones a new code is needed.
- New codes: not within ``RESEND_AFTER`` of the last, at most ``MAX_CODES_PER_DAY`` a day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import PUBLIC, require_actor
from apps.messaging.services import channel_available, queue_email, queue_sms

from .models import Member, PhoneConfirmation

CODE_VALID = dt.timedelta(minutes=15)
LINK_VALID = dt.timedelta(days=14)
MAX_TRIES = 5
RESEND_AFTER = dt.timedelta(seconds=60)
MAX_CODES_PER_DAY = 5
CODE_TOPIC = "member.phone_code"
LINK_TOPIC = "member.phone_link"
_CODE_SALT = "buurtwacht.members.phone_code"


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _hash_code(confirmation: PhoneConfirmation, code: str) -> str:
    # The moment the code was sent makes each code's hash its own.
    value = f"{confirmation.member_id}:{confirmation.phone}:{confirmation.code_sent_at.isoformat()}:{code}"
    return salted_hmac(_CODE_SALT, value, algorithm="sha256").hexdigest()


def member_language(member: Member) -> str:
    """The language the member applied in, else their municipality's."""
    try:
        language = member.application.language
    except Member.application.RelatedObjectDoesNotExist:
        language = ""
    return language or member.group.municipality.language or settings.LANGUAGE_CODE


def confirm_url(key: str) -> str:
    return settings.BUURTWACHT_SITE_URL + reverse("public:phone_confirm", args=[key])


def needs_confirmation(member: Member) -> bool:
    return member.receives_alerts and member.phone_confirmed_at is None and bool(member.phone)


def ask_to_confirm(member: Member, *, actor) -> str | None:
    """Send the member a code by SMS and the link to the page to type it, by e-mail, in their
    language. Returns the link's key; None when nothing needs confirming (no alerts, already
    confirmed) or SMS is not configured here (then alerts stay on e-mail). Called in the
    transaction that gave the consent."""
    require_actor(actor)
    if not needs_confirmation(member) or not channel_available("sms"):
        return None
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        confirmation, _created = PhoneConfirmation.objects.select_for_update().get_or_create(
            member=member,
            defaults={"phone": member.phone, "link_key_hash": _hash_key(key), "link_expires_at": now + LINK_VALID},
        )
        confirmation.phone = member.phone
        confirmation.link_key_hash = _hash_key(key)
        confirmation.link_expires_at = now + LINK_VALID
        confirmation.confirmed_at = None
        confirmation.save()
        _send_code(confirmation, member, now)
        language = member_language(member)
        with translation.override(language):
            values = {"name": member.full_name, "group": member.group.name, "url": confirm_url(key), "minutes": 15}
            queue_email(
                to=member.email,
                subject=_("Confirm your phone number for alerts from %(group)s") % values,
                body=_(
                    "Dear %(name)s,\n\nYou asked for alerts from the police and the municipality. Before we send "
                    "them to your phone by SMS or WhatsApp, confirm that the number is yours: we sent you a code "
                    "by SMS (valid for %(minutes)d minutes). Type it on this page:\n%(url)s\n\n"
                    "Until then, the alerts reach you by e-mail only."
                )
                % values,
                topic=LINK_TOPIC,
                dedupe_key=f"member:{member.pk}:phone-link:{confirmation.link_key_hash[:16]}",
                group_id=member.group_id,
                municipality_id=member.group.municipality_id,
                language=language,
            )
        record(actor, AuditEvent.Action.MEMBER_PHONE_CODE_SENT, member, municipality_id=member.group.municipality_id)
    return key


def _send_code(confirmation: PhoneConfirmation, member: Member, now: dt.datetime) -> None:
    code = f"{secrets.randbelow(10**6):06d}"
    if confirmation.codes_since is None or now - confirmation.codes_since > dt.timedelta(days=1):
        confirmation.codes_since = now
        confirmation.codes_sent = 0
    confirmation.codes_sent += 1
    confirmation.code_sent_at = now
    confirmation.code_expires_at = now + CODE_VALID
    confirmation.tries = 0
    confirmation.code_hash = _hash_code(confirmation, code)
    confirmation.save()
    language = member_language(member)
    with translation.override(language):
        text = _("Buurtwacht: your code is %(code)s. It is valid for %(minutes)d minutes.") % {
            "code": code,
            "minutes": 15,
        }
    queue_sms(
        to=confirmation.phone,
        text=text,
        topic=CODE_TOPIC,
        dedupe_key=f"member:{member.pk}:phone-code:{now.timestamp():.6f}",
        group_id=member.group_id,
        municipality_id=member.group.municipality_id,
        language=language,
    )


def by_key(key: str) -> PhoneConfirmation | None:
    """The confirmation a link opens; None for an unknown or expired link."""
    found = (
        PhoneConfirmation.objects.select_related("member", "member__group")
        .filter(link_key_hash=_hash_key(key or ""))
        .first()
    )
    if found is None or found.link_expires_at <= timezone.now():
        return None
    return found


def _code_error(message: str, code: str) -> ValidationError:
    return ValidationError({"code": ValidationError(message, code=code)})


def confirm(confirmation: PhoneConfirmation, code: str, *, actor=PUBLIC) -> bool:
    """Check a typed code. True when it confirmed the number now; False when the number was
    confirmed already (nothing changes). A wrong, expired or exhausted code raises
    ``ValidationError`` (field ``code``); a wrong one still counts as a try."""
    code = "".join((code or "").split())
    error = None
    with transaction.atomic():
        locked = PhoneConfirmation.objects.select_for_update().select_related("member").get(pk=confirmation.pk)
        member = locked.member
        now = timezone.now()
        if locked.confirmed_at is not None and member.phone_confirmed_at is not None:
            return False
        if not locked.code_hash or locked.code_expires_at is None or locked.code_expires_at <= now:
            error = _code_error(_("This code has expired. Ask for a new code."), "expired")
        elif locked.tries >= MAX_TRIES:
            error = _code_error(_("You typed a wrong code too often. Ask for a new code."), "too_many")
        elif not (
            len(code) == 6 and code.isdigit() and constant_time_compare(_hash_code(locked, code), locked.code_hash)
        ):
            locked.tries += 1
            locked.save(update_fields=["tries"])
            left = MAX_TRIES - locked.tries
            if left <= 0:
                message = _("This code is not right, and you have no tries left. Ask for a new code.")
            else:
                message = ngettext(
                    "This code is not right. You have %(left)d try left.",
                    "This code is not right. You have %(left)d tries left.",
                    left,
                ) % {"left": left}
            error = _code_error(message, "wrong")
        elif member.phone != locked.phone or member.left_at is not None:
            error = _code_error(_("This code is not right. Ask for a new code."), "changed")
        else:
            locked.confirmed_at = now
            locked.code_hash = ""
            locked.save(update_fields=["confirmed_at", "code_hash"])
            Member.objects.filter(pk=member.pk).update(phone_confirmed_at=now)
            record(
                actor, AuditEvent.Action.MEMBER_PHONE_CONFIRMED, member, municipality_id=member.group.municipality_id
            )
    # Raised after the block: the count of a wrong try is kept.
    if error is not None:
        raise error
    confirmation.refresh_from_db()
    return True


def send_new_code(confirmation: PhoneConfirmation, *, actor=PUBLIC) -> None:
    """A new code to the same number (the old one stops working). Not within ``RESEND_AFTER``
    of the last one, and at most ``MAX_CODES_PER_DAY`` a day: else ``ValidationError``."""
    with transaction.atomic():
        locked = (
            PhoneConfirmation.objects.select_for_update()
            .select_related("member", "member__group")
            .get(pk=confirmation.pk)
        )
        member = locked.member
        if member.phone_confirmed_at is not None or member.left_at is not None:
            raise ValidationError(_("Your number is confirmed already: nothing to do."), code="confirmed")
        if not channel_available("sms"):
            raise ValidationError(_("Codes cannot be sent by SMS at the moment."), code="no_sms")
        now = timezone.now()
        if locked.code_sent_at and now - locked.code_sent_at < RESEND_AFTER:
            raise ValidationError(
                _("We just sent you a code. Wait a minute before you ask for a new one."), code="too_soon"
            )
        day_open = locked.codes_since is not None and now - locked.codes_since <= dt.timedelta(days=1)
        if day_open and locked.codes_sent >= MAX_CODES_PER_DAY:
            raise ValidationError(_("You asked for too many codes today. Try again tomorrow."), code="too_many_codes")
        _send_code(locked, member, now)
        record(actor, AuditEvent.Action.MEMBER_PHONE_CODE_SENT, member, municipality_id=member.group.municipality_id)
    confirmation.refresh_from_db()
