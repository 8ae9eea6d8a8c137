"""A coordinator on a 360 px phone, in Dutch and in French: logs in, sets up the authenticator app
from the page (reading the secret the page shows), stores the recovery codes, logs out, logs in
again with a code of the app, then with a recovery code. Every step passes ``assert_usable``."""

from __future__ import annotations

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from testkit.browser import assert_usable, open_page, outside_the_browser_loop, running_chromium
from testkit.second_factor import code_for_secret, unused_code
from testkit.world import PASSWORD, build_world

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _english():
    """These pages are seen in the coordinator's own language, not the account tests' English."""


@pytest.fixture
def world(transactional_db):
    world = build_world()
    TOTPDevice.objects.filter(user=world.coordinator).delete()  # not set up yet
    return world


@pytest.fixture
def browser(live_server, world):
    with running_chromium() as browser:
        yield browser


def password_step(page, live_server, language: str) -> None:
    page.goto(live_server.url + "/beheer/")
    page.wait_for_url(re.compile(r"/account/inloggen/"))
    assert page.locator("html").get_attribute("lang") == language
    page.fill("#id_username", "coordinator")
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()


def log_out(page) -> None:
    with page.expect_navigation():
        page.locator("header form[action='/account/uitloggen/'] button").click()


@pytest.mark.parametrize(("locale", "language"), [("nl-BE", "nl"), ("fr-BE", "fr")], ids=["dutch", "french"])
def test_a_coordinator_sets_up_the_app_and_logs_in_with_a_code_and_a_recovery_code(
    browser, live_server, world, locale, language
):
    page = open_page(browser, width=360, locale=locale)
    password_step(page, live_server, language)

    # Setting up: the QR code and the secret as text.
    page.wait_for_url(re.compile(r"/account/tweestapsverificatie/instellen/$"))
    assert page.locator("#setup-required").is_visible() and page.locator("svg.qr-code").is_visible()
    assert_usable(page, "setting up the authenticator app")
    secret = page.locator("#totp-secret").inner_text()
    page.fill("#id_otp_token", code_for_secret(secret))
    page.locator("main form button[type=submit]").click()

    # The recovery codes, shown once.
    page.wait_for_url(re.compile(r"/account/tweestapsverificatie/herstelcodes/$"))
    assert_usable(page, "the recovery codes")
    codes = [code.strip() for code in page.locator("#recovery-codes code").all_inner_texts()]
    assert len(codes) == 10
    with page.expect_navigation(url=re.compile(r"/beheer/$")):
        page.locator("main a.button.primary").click()
    assert_usable(page, "the desk after setting up")
    log_out(page)

    # Again, with a code of the app.
    password_step(page, live_server, language)
    page.wait_for_url(re.compile(r"/account/inloggen/code/$"))
    assert_usable(page, "the code page")
    device = outside_the_browser_loop(lambda: TOTPDevice.objects.get(user=world.coordinator, confirmed=True))
    page.fill("#id_otp_token", unused_code(device))
    with page.expect_navigation(url=re.compile(r"/beheer/$")):
        page.locator("main form button[type=submit]").click()
    assert_usable(page, "the desk after a code")
    log_out(page)

    # Again, with a recovery code (the phone is lost).
    password_step(page, live_server, language)
    page.wait_for_url(re.compile(r"/account/inloggen/code/$"))
    page.fill("#id_otp_token", codes[0])
    with page.expect_navigation(url=re.compile(r"/beheer/$")):
        page.locator("main form button[type=submit]").click()
    assert page.locator("[role=status], .messages, .notice").filter(has_text="9").count() >= 1
    assert_usable(page, "the desk after a recovery code")
