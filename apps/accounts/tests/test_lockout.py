"""Repeated wrong passwords pause the logins of that user name from that connection (django-axes):
the answers before the limit are the usual ones, then even the right password is refused with a
page saying from when to try again; other connections and other user names go on; the pause ends
after the cool-off, or at once when a new password is chosen. A pause is audited and logged."""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth import authenticate
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from apps.accounts.lockout import client_ip
from apps.audit.models import AuditEvent
from apps.messaging.models import OutgoingMessage
from testkit.world import PASSWORD

LOGIN = "/account/inloggen/"
WRONG = "not-the-password"
BRUSSELS = ZoneInfo("Europe/Brussels")
PAUSED = "logging in is paused"


def attempt(client, username, password, ip="192.0.2.10"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def lock(client, username="admin_a", ip="192.0.2.10"):
    for _ in range(django_settings.BUURTWACHT_LOGIN_FAILURE_LIMIT):
        response = attempt(client, username, WRONG, ip)
    assert response.status_code == 429, response.content.decode()
    return response


def test_the_urls_and_defaults(db):
    assert reverse("accounts:login") == LOGIN
    assert django_settings.BUURTWACHT_LOGIN_FAILURE_LIMIT == 5
    assert django_settings.BUURTWACHT_LOGIN_COOLOFF_MINUTES == 15


def test_wrong_passwords_are_answered_normally_up_to_the_limit_then_the_login_is_paused(client, world):
    for n in range(1, 5):
        response = attempt(client, "admin_a", WRONG)
        page = response.content.decode()
        assert response.status_code == 200, n
        assert "Please enter a correct username and password" in page and PAUSED not in page
    response = attempt(client, "admin_a", WRONG)  # the fifth
    page = response.content.decode()
    assert response.status_code == 429
    assert PAUSED in page and "You can try again from" in page
    assert "Please enter a correct" not in page  # the pause is what matters now
    assert f'href="{reverse("accounts:password_reset")}"' in page
    assert 'value="admin_a"' in page  # the user name stays filled in

    # While paused the right password is refused too, with the same message, and nobody is logged in.
    response = attempt(client, "admin_a", PASSWORD)
    assert response.status_code == 429 and PAUSED in response.content.decode()
    assert not logged_in(client)
    assert response["Cache-Control"].startswith("max-age=0") or "no-cache" in response["Cache-Control"]


def test_the_page_names_the_time_the_pause_ends(client, world):
    with time_machine.travel(dt.datetime(2026, 3, 2, 14, 0, 10, tzinfo=BRUSSELS), tick=False):
        response = lock(client)
    # 14:00:10 + 15 minutes = 14:15:10, shown as the first whole minute after it.
    assert "You can try again from 14:16." in response.content.decode()


def test_a_cool_off_of_a_day_names_the_date(client, world, settings):
    settings.BUURTWACHT_LOGIN_COOLOFF_MINUTES = 24 * 60
    with time_machine.travel(dt.datetime(2026, 3, 2, 14, 0, 10, tzinfo=BRUSSELS), tick=False):
        response = lock(client)
    assert "You can try again from 3 March 14:01." in response.content.decode()


def test_other_connections_and_other_user_names_are_not_affected(client, world):
    lock(client, "admin_a", "192.0.2.10")
    # The same person (or anyone) from another connection logs in.
    elsewhere = Client()
    response = attempt(elsewhere, "admin_a", PASSWORD, "198.51.100.7")
    assert response.status_code == 302 and logged_in(elsewhere)
    # A colleague behind the same address logs in.
    colleague = Client()
    response = attempt(colleague, "admin_b", PASSWORD, "192.0.2.10")
    assert response.status_code == 302 and logged_in(colleague)
    # And the colleague's own wrong passwords are counted apart.
    response = attempt(Client(), "admin_b", WRONG, "192.0.2.10")
    assert response.status_code == 200


def test_the_user_name_counts_whatever_its_case(client, world):
    for name in ("admin_a", "ADMIN_A", "Admin_A ", "admin_a", "aDmIn_a"):
        response = attempt(client, name, WRONG)
    assert response.status_code == 429
    assert attempt(client, "admin_a", PASSWORD).status_code == 429


def test_an_ipv6_connection_counts_as_its_network(client, world):
    lock(client, "admin_a", "2001:db8:1:2::10")
    assert attempt(Client(), "admin_a", PASSWORD, "2001:db8:1:2:ffff::1").status_code == 429
    assert attempt(Client(), "admin_a", PASSWORD, "2001:db8:1:3::10").status_code == 302


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ({"REMOTE_ADDR": "192.0.2.1"}, "192.0.2.1"),
        ({"REMOTE_ADDR": "2001:db8:1:2:3:4:5:6"}, "2001:db8:1:2::"),
        ({"REMOTE_ADDR": "::ffff:192.0.2.1"}, "192.0.2.1"),
        ({"REMOTE_ADDR": ""}, None),
        ({"REMOTE_ADDR": "unknown"}, None),
    ],
)
def test_the_connection_address(rf, meta, expected):
    assert client_ip(rf.get("/", **meta)) == expected


def test_behind_a_proxy_the_configured_header_counts(rf, settings):
    settings.RATELIMIT_IP_META_KEY = "HTTP_X_REAL_IP"
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="192.0.2.44")
    assert client_ip(request) == "192.0.2.44"


def test_the_pause_ends_after_the_cool_off(client, world):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=BRUSSELS)
    with time_machine.travel(start, tick=False):
        lock(client)
    with time_machine.travel(start + dt.timedelta(minutes=14, seconds=59), tick=False):
        assert attempt(client, "admin_a", PASSWORD).status_code == 429
    with time_machine.travel(start + dt.timedelta(minutes=15, seconds=1), tick=False):
        response = attempt(client, "admin_a", PASSWORD)
        assert response.status_code == 302 and logged_in(client)


def test_attempts_during_the_pause_do_not_make_it_longer(client, world):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=BRUSSELS)
    with time_machine.travel(start, tick=False):
        lock(client)
    with time_machine.travel(start + dt.timedelta(minutes=10), tick=False):
        response = attempt(client, "admin_a", WRONG)
        assert response.status_code == 429 and "You can try again from 09:16." in response.content.decode()
    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        assert attempt(client, "admin_a", PASSWORD).status_code == 302


def test_after_the_cool_off_the_count_starts_again(client, world):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=BRUSSELS)
    with time_machine.travel(start, tick=False):
        lock(client)
    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        for _ in range(4):
            assert attempt(client, "admin_a", WRONG).status_code == 200
        assert attempt(client, "admin_a", WRONG).status_code == 429


def test_a_successful_login_clears_the_count(client, world):
    for _ in range(4):
        attempt(client, "admin_a", WRONG)
    assert attempt(client, "admin_a", PASSWORD).status_code == 302
    client.post(reverse("accounts:logout"))
    for _ in range(4):
        assert attempt(client, "admin_a", WRONG).status_code == 200


def test_the_limit_is_a_setting(client, world, settings):
    settings.BUURTWACHT_LOGIN_FAILURE_LIMIT = 2
    assert attempt(client, "admin_a", WRONG).status_code == 200
    assert attempt(client, "admin_a", WRONG).status_code == 429


def test_choosing_a_new_password_still_works_and_ends_the_pause(client, world):
    lock(client)
    # Asking for the link works while paused.
    response = client.post(
        reverse("accounts:password_reset"), {"email": "admin_a@example.org"}, REMOTE_ADDR="192.0.2.10"
    )
    assert response.status_code == 302
    assert OutgoingMessage.objects.filter(topic="account.password_reset", recipient="admin_a@example.org").exists()
    # The link of the e-mail (made here the same way) lets the person choose a new password...
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(world.admin_a.pk)),
            "token": default_token_generator.make_token(world.admin_a),
        },
    )
    form_url = client.get(path).url
    new = "fietsenstalling-42"
    response = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert response.status_code == 302 and response.url == reverse("accounts:password_reset_complete")
    # ...with which they log in at once, from the connection that was paused.
    response = attempt(client, "admin_a", new)
    assert response.status_code == 302 and logged_in(client)


def test_a_pause_is_audited_once_and_logged(client, world, caplog):
    with caplog.at_level(logging.WARNING, logger="apps.accounts.lockout"):
        lock(client)
        attempt(client, "admin_a", PASSWORD)  # refused during the pause: not a new pause
        attempt(client, "admin_a", WRONG)
    event = AuditEvent.objects.get(action=AuditEvent.Action.USER_LOCKED_OUT)
    assert event.actor is None and event.actor_label == ""
    assert (event.target_type, event.target_id) == ("accounts.user", str(world.admin_a.pk))
    assert event.data["failures"] == 5 and event.data["minutes"] == 15 and "until" in event.data
    assert "192.0.2.10" not in str(event.data)  # ids and counts only
    lines = [r.getMessage() for r in caplog.records if r.name == "apps.accounts.lockout"]
    assert len(lines) == 1
    assert f"account {world.admin_a.pk}" in lines[0] and "192.0.2.10" in lines[0]


def test_an_unknown_user_name_is_paused_too_but_only_logged(client, world, caplog):
    with caplog.at_level(logging.WARNING, logger="apps.accounts.lockout"):
        lock(client, "niemand-bekend")
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.USER_LOCKED_OUT).exists()
    assert any("no such account" in r.getMessage() for r in caplog.records)


def test_no_password_is_stored_with_the_counts(client, world):
    lock(client)
    stored = " ".join(f"{a.post_data} {a.get_data}" for a in AccessAttempt.objects.all())
    assert WRONG not in stored


def test_logins_made_by_code_on_the_server_are_not_counted(world, client):
    """A shell, a command or the demo's checks call authenticate() without a request."""
    lock(client)
    assert authenticate(username="admin_a", password=PASSWORD) == world.admin_a
    assert authenticate(username="admin_a", password=WRONG) is None


def test_the_login_form_of_the_test_client_still_works(client, world):
    assert client.login(username="coordinator", password=PASSWORD)


def _start(env: dict) -> subprocess.CompletedProcess:
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.BUURTWACHT_LOGIN_FAILURE_LIMIT, s.BUURTWACHT_LOGIN_COOLOFF_MINUTES, "
        "s.BUURTWACHT_SESSION_IDLE_MINUTES, s.BUURTWACHT_REAUTH_MINUTES)"
    )
    return subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "buurtwacht.settings", **env},
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_settings_are_read_from_the_environment():
    result = _start(
        {
            "BUURTWACHT_LOGIN_FAILURE_LIMIT": "8",
            "BUURTWACHT_LOGIN_COOLOFF_MINUTES": "",  # empty: the default
            "BUURTWACHT_SESSION_IDLE_MINUTES": "20",
            "BUURTWACHT_REAUTH_MINUTES": "5",
        }
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["8", "15", "20", "5"]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BUURTWACHT_LOGIN_FAILURE_LIMIT", "0"),
        ("BUURTWACHT_LOGIN_COOLOFF_MINUTES", "a quarter"),
        ("BUURTWACHT_SESSION_IDLE_MINUTES", "-5"),
        ("BUURTWACHT_REAUTH_MINUTES", "1.5"),
    ],
)
def test_the_settings_refuse_what_they_cannot_read(variable, value):
    result = _start({variable: value})
    assert result.returncode != 0
    assert variable in result.stderr and "whole number" in result.stderr


@pytest.fixture
def live_world(transactional_db):
    from testkit.world import build_world

    return build_world()


@pytest.mark.browser
def test_in_the_browser_the_paused_login_page_is_usable_on_a_phone(live_server, live_world):
    from testkit.browser import assert_usable, open_page, running_chromium

    with running_chromium() as browser:
        page = open_page(browser, width=360, locale="nl-BE")
        page.goto(live_server.url + LOGIN)
        for _ in range(django_settings.BUURTWACHT_LOGIN_FAILURE_LIMIT):
            page.fill("#id_username", "admin_a")
            page.fill("#id_password", WRONG)
            with page.expect_navigation():
                page.click("main button[type=submit]")
        assert page.locator("#login-locked").count() == 1
        # The paused answer is a 429 on purpose; anything else failing on the page still counts.
        assert page.errors[-1].startswith("429 ")
        page.errors = [e for e in page.errors if not e.startswith("429 ")]
        assert_usable(page, "login paused")
