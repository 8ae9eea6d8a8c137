"""Codes of the second factor in tests: authenticator apps for the test world's coordinators,
police and superuser, and the code such an app shows."""

from __future__ import annotations

import time
from base64 import b32decode

from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

STEP = 30  # seconds, django-otp's default and every authenticator app's


def add_authenticator(user) -> TOTPDevice:
    """A confirmed authenticator app with a random secret, as setting it up on the page makes."""
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def time_step(at: float | None = None) -> int:
    return int(time.time() if at is None else at) // STEP


def code_for_key(key_hex: str, step: int | None = None) -> str:
    """The six digits an app with this secret (hex, as django-otp stores it) shows at the time
    step ``step`` (now when not given)."""
    return f"{hotp(bytes.fromhex(key_hex), time_step() if step is None else step, digits=6):06d}"


def code_for_secret(secret: str, step: int | None = None) -> str:
    """The code for a secret as the setup page shows it (base32 in groups of four)."""
    return code_for_key(b32decode("".join(secret.split())).hex(), step)


def unused_code(device: TOTPDevice) -> str:
    """A code the device accepts now: of the current time step, else of the next one (a device
    refuses a step it accepted before). Waits for the next step when both were used."""
    while True:
        now = time_step() + device.drift
        for step in (now, now + 1):
            if step > device.last_t:
                return code_for_key(device.key, step)
        time.sleep(1)
        device.refresh_from_db()
