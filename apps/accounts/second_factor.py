"""The second factor of a staff login (docs/adr/0028), with django-otp: an authenticator app
(TOTP, ``otp_totp.TOTPDevice``) and ten recovery codes (``otp_static.StaticDevice``, each code
used once).

Who must have one: operators (superusers) here, and whoever a higher app names through
``register_required`` (municipalities: coordinators and police officers). Everyone else may set
one up on their account page. This module is the one write path of the devices: setting up,
new recovery codes, removing; every change is an audit event.

The demo's accounts share one published secret (``DEMO_TOTP_SECRET``). A device with that secret
verifies only where the demo may run (``DEBUG`` on, not production); elsewhere it is refused and
the system check ``accounts.E001`` (``apps/accounts/checks.py``) names it.
"""

from __future__ import annotations

import logging
import math
from base64 import b32decode, b32encode
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.audit.models import AuditEvent
from apps.audit.services import record

log = logging.getLogger(__name__)

RECOVERY_CODE_COUNT = 10
TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"

# Published on purpose (README, `make run`): the demo's staff accounts use it. Refused outside
# the demo (see ``demo_secret_allowed``).
DEMO_TOTP_SECRET = "BUURTWACHTDEMO2345BUURTWACHTDEMO"  # noqa: S105
DEMO_TOTP_KEY = b32decode(DEMO_TOTP_SECRET).hex()

_required: list[Callable[[object], bool]] = []


def register_required(predicate: Callable[[object], bool]) -> None:
    """A higher app names the accounts that must use a second factor (``predicate(user)``)."""
    if predicate not in _required:
        _required.append(predicate)


def required_for(user) -> bool:
    """Whether ``user`` must set up a second factor before anything of the desk opens."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "pk", None):
        return False
    return bool(user.is_superuser) or any(predicate(user) for predicate in _required)


def authenticator_of(user) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def has_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def demo_secret_allowed() -> bool:
    """The demo's published secret opens accounts only where the demo may run."""
    return bool(settings.DEBUG) and not getattr(settings, "PRODUCTION", False)


def is_demo_device(device) -> bool:
    return isinstance(device, TOTPDevice) and device.key.lower() == DEMO_TOTP_KEY


def secret_text(device: TOTPDevice) -> str:
    """The secret as people type it into an authenticator app: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The device's ``otpauth://`` address as an inline SVG QR code, made on the server."""
    import segno

    title = _("QR code to scan with your authenticator app")
    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=4, title=title, svgclass="qr-code")


def normalized_code(value) -> str:
    """What a person typed, without spaces and dashes, lower case (recovery codes are)."""
    return "".join(str(value or "").split()).replace("-", "").lower()


def pending_authenticator(user) -> TOTPDevice:
    """The authenticator being set up (unconfirmed): the same one on every reload of the setup
    page, so that the QR code a person scanned stays valid."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


@dataclass
class Verified:
    device: TOTPDevice | StaticDevice
    recovery_code: bool = False


def wait_seconds(device) -> int:
    """How long ``device`` refuses codes after wrong ones (django-otp's throttle, which doubles
    with each wrong code); 0 when a code may be tried now."""
    allowed, data = device.verify_is_allowed()
    until = (data or {}).get("locked_until")
    if allowed or until is None:
        return 0
    return max(1, math.ceil((until - timezone.now()).total_seconds()))


def throttle_seconds(user) -> int:
    """How long before a code of ``user`` is checked again (0: now)."""
    devices = [*TOTPDevice.objects.filter(user=user, confirmed=True), *_recovery_devices(user)]
    return max((wait_seconds(device) for device in devices), default=0)


def _recovery_devices(user):
    return StaticDevice.objects.filter(user=user, confirmed=True)


def verify(user, code) -> Verified | None:
    """Check a code of ``user``: six digits against the authenticator app, otherwise a recovery
    code (then used up). ``None`` for a wrong, replayed, throttled or refused code.

    Each device is locked for the check, so that one code sent twice at once is accepted once."""
    code = normalized_code(code)
    if not code or len(code) > 16:
        return None
    with transaction.atomic():
        if code.isdigit():
            devices = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk")
            for device in devices:
                if is_demo_device(device) and not demo_secret_allowed():
                    log.warning("Refused the demo's second-factor secret for account %s outside the demo", user.pk)
                    device.throttle_increment()
                    continue
                if device.verify_token(code):
                    return Verified(device)
            return None
        for device in _recovery_devices(user).select_for_update().order_by("pk"):
            if device.verify_token(code):
                left = recovery_codes_left(user)
                record(user, AuditEvent.Action.USER_RECOVERY_CODE_USED, user, user_id=user.pk, left=left)
                return Verified(device, recovery_code=True)
    return None


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = []
    while len(codes) < RECOVERY_CODE_COUNT:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def confirm_authenticator(user, device: TOTPDevice, code, *, actor) -> list[str] | None:
    """Finish setting up ``device``: the first code from the app proves it was added. Replaces an
    earlier authenticator, makes ten new recovery codes and returns them (shown once); ``None``
    when the code is wrong (nothing changed)."""
    code = normalized_code(code)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user, confirmed=False)
        if not code.isdigit() or not device.verify_token(code):
            return None
        replaced = TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()[0]
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        record(actor, AuditEvent.Action.USER_SECOND_FACTOR_ADDED, user, user_id=user.pk, replaced=bool(replaced))
    return codes


def renew_recovery_codes(user, *, actor) -> list[str]:
    """Ten new recovery codes; the earlier ones stop working."""
    if not has_device(user):
        raise ValueError("no authenticator app set up")
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        record(actor, AuditEvent.Action.USER_RECOVERY_CODES_RENEWED, user, user_id=user.pk)
    return codes


def remove(user, *, actor) -> bool:
    """Switch the second factor off, for an account that does not need one. Returns whether it
    was removed (an account that must have one keeps it)."""
    if required_for(user):
        return False
    with transaction.atomic():
        removed = TOTPDevice.objects.filter(user=user).delete()[0]
        StaticDevice.objects.filter(user=user).delete()
        if removed:
            record(actor, AuditEvent.Action.USER_SECOND_FACTOR_REMOVED, user, user_id=user.pk)
    return bool(removed)


def add_demo_authenticator(user) -> TOTPDevice:
    """The demo's authenticator, with the published secret (``load_demo`` only)."""
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_NAME, key=DEMO_TOTP_KEY, confirmed=True)
