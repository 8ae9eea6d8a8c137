"""Staff accounts: user names made from an e-mail address, and the link to choose a password.

Inviting a person as a group admin is ``apps.groups.invitations``: it needs the group and the
municipality's permissions, which sit above accounts.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import is_person, require_actor

NAME_MAX_LENGTH = 150
EMAIL_MAX_LENGTH = 254
_USERNAME_UNSAFE = re.compile(r"[^\w.+-]+")


def username_from_email(email: str) -> str:
    """The part before the @, reduced to what a user name may hold and made unique
    (case-insensitively, so logging in is never ambiguous): ``jan.peeters``, ``jan.peeters-2``…"""
    User = get_user_model()
    max_length = User._meta.get_field("username").max_length
    local = email.rsplit("@", 1)[0].lower()
    base = _USERNAME_UNSAFE.sub("", local).strip(".-+") or "beheerder"
    base = base[: max_length - 4]
    candidate, n = base, 2
    while User.objects.filter(username__iexact=candidate).exists():
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def split_name(full_name: str) -> tuple[str, str]:
    first, _sep, last = full_name.partition(" ")
    return first, last.strip()


def set_password_url(user) -> str:
    """The absolute link where ``user`` chooses a password (valid PASSWORD_RESET_TIMEOUT seconds)."""
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return settings.BUURTWACHT_SITE_URL + path


def link_valid_days() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)


def message_languages() -> list[tuple[str, str]]:
    """The choices of a staff member's own language: the site's languages, or none (then the
    language of their municipality is used)."""
    return [("", _("The language of my municipality")), *settings.LANGUAGES]


@transaction.atomic
def set_message_language(user, language: str, *, actor):
    """The language of what the system sends ``user`` (e-mails, SMS, WhatsApp). Only the person
    themselves chooses it; an unknown code is refused and changes nothing."""
    require_actor(actor)
    if not is_person(actor) or actor.pk != user.pk:
        raise PermissionDenied("only the account's own person chooses its language")
    language = (language or "").strip()
    if language not in {code for code, _name in message_languages()}:
        raise ValidationError({"language": _("Choose one of the languages in the list.")}, code="invalid_choice")
    locked = get_user_model().objects.select_for_update().get(pk=user.pk)
    if locked.language == language:
        return locked
    previous = locked.language
    locked.language = language
    locked.save(update_fields=["language"])
    record(actor, AuditEvent.Action.USER_LANGUAGE_CHANGED, locked, user_id=locked.pk, old=previous, new=language)
    user.language = language
    return locked
