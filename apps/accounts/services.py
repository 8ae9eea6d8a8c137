"""Staff accounts: user names made from an e-mail address, and the link to choose a password.

Inviting a person as a group admin is ``apps.groups.invitations``: it needs the group and the
municipality's permissions, which sit above accounts.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

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
