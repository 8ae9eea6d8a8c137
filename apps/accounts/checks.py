"""System check: the demo's published second-factor secret must not exist outside the demo."""

from __future__ import annotations

from django.core.checks import Error, Tags, register
from django.db import DatabaseError


@register(Tags.security)
def demo_authenticators(app_configs=None, **kwargs) -> list[Error]:
    """``accounts.E001`` where ``DEBUG`` is off or in production, when an account has an
    authenticator with the demo's secret (``load_demo`` gives it to the demo's staff accounts).
    Such a device is refused at login there too (``second_factor.verify``)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from .second_factor import DEMO_TOTP_KEY, demo_secret_allowed

    if demo_secret_allowed():
        return []
    try:
        usernames = list(
            TOTPDevice.objects.filter(key__iexact=DEMO_TOTP_KEY).values_list("user__username", flat=True)[:10]
        )
    except DatabaseError:  # no tables yet (before the first migrate)
        return []
    if not usernames:
        return []
    return [
        Error(
            "Accounts have an authenticator with the demo's published secret: " + ", ".join(sorted(usernames)),
            hint="Remove these devices (/django-admin/ › TOTP devices) or the demo accounts "
            "(manage.py load_demo --reset); the demo runs with DEBUG on only.",
            id="accounts.E001",
        )
    ]
