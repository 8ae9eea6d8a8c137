"""The demo's operator, coordinators and police log in with an authenticator app holding the
published demo secret, which `make run` prints and the README lists; group admins have none."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts.second_factor import DEMO_TOTP_SECRET, required_for
from apps.demo import load
from apps.demo.logins import DEMO_PASSWORD, LOGINS, format_table
from testkit.second_factor import code_for_secret


def test_the_secret_is_printed_and_in_the_readme():
    assert DEMO_TOTP_SECRET in format_table()
    assert DEMO_TOTP_SECRET in (Path(settings.BASE_DIR) / "README.md").read_text()


@pytest.mark.django_db
def test_the_demo_staff_get_the_demo_authenticator_and_log_in_with_it(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load.load()
    with_app = set(TOTPDevice.objects.filter(confirmed=True).values_list("user__username", flat=True))
    assert with_app == {x.username for x in LOGINS if x.role in ("superuser", "coordinator", "police")}
    for device in TOTPDevice.objects.select_related("user"):
        assert required_for(device.user)

    settings.DEBUG = True  # as `make run` serves the demo
    client = Client()
    response = client.post("/account/inloggen/", {"username": "gemeente-heerlo", "password": DEMO_PASSWORD})
    assert response.url == "/account/inloggen/code/"
    response = client.post("/account/inloggen/code/", {"otp_token": code_for_secret(DEMO_TOTP_SECRET)})
    assert response.status_code == 302 and response.url == "/beheer/"

    # A demo admin logs in with the password alone.
    response = Client().post("/account/inloggen/", {"username": "beheerder-merkel", "password": DEMO_PASSWORD})
    assert response.url == "/beheer/"
