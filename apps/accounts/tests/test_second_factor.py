"""The second factor of staff logins: coordinators, police and operators set up an authenticator
app after their password before anything of the desk opens, then log in with its codes; a code
is accepted once, wrong codes are throttled and count towards the login's lock, a recovery code
works once; group admins may set it up or not; the demo's published secret is refused outside
the demo and reported by a system check."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.checks import run_checks
from django.test import Client
from django.urls import URLPattern, reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from apps.accounts import second_factor
from apps.accounts.checks import demo_authenticators
from apps.accounts.login_steps import PENDING
from apps.audit.models import AuditEvent
from apps.staff import urls as staff_urls
from testkit.second_factor import code_for_key, code_for_secret, time_step, unused_code
from testkit.world import PASSWORD

LOGIN = "/account/inloggen/"
CODE = "/account/inloggen/code/"
SETUP = "/account/tweestapsverificatie/instellen/"
PAGE = "/account/tweestapsverificatie/"
RECOVERY = "/account/tweestapsverificatie/herstelcodes/"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Europe/Brussels"))
IP = "192.0.2.20"


def at(seconds: float):
    return time_machine.travel(START + dt.timedelta(seconds=seconds), tick=False)


def password(client, username, ip=IP):
    return client.post(LOGIN, {"username": username, "password": PASSWORD}, REMOTE_ADDR=ip)


def code(client, token, ip=IP):
    return client.post(CODE, {"otp_token": token}, REMOTE_ADDR=ip)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def verified(client) -> bool:
    return logged_in(client) and "otp_device_id" in client.session


def wrong_code_for(device) -> str:
    """Six digits that are none of the codes the device would accept around now."""
    near = {code_for_key(device.key, time_step() + d) for d in (-2, -1, 0, 1, 2)}
    return next(c for c in (f"{n:06d}" for n in range(123456, 999999, 111)) if c not in near)


def secret_on(page: str) -> str:
    return re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page).group(1)


def desk_urls() -> list[str]:
    """Every page of the desk (/beheer/), with placeholder ids: all must be closed."""
    urls = []
    for namespace, patterns in (
        ("staff", staff_urls.desk_patterns),
        ("incidents", staff_urls.incident_patterns),
        ("relays", staff_urls.relay_patterns),
    ):
        for pattern in patterns:
            assert isinstance(pattern, URLPattern)
            if pattern.name == "admin_invitation":
                continue  # opened by its secret link, without a login
            kwargs = {
                name: ("x" if type(conv).__name__ == "StringConverter" else 1)
                for name, conv in pattern.pattern.converters.items()
            }
            urls.append(reverse(f"{namespace}:{pattern.name}", kwargs=kwargs))
    return urls


@pytest.fixture
def fresh_coordinator(world):
    """The coordinator of Testdorp before setting up a second factor."""
    TOTPDevice.objects.filter(user=world.coordinator).delete()
    return world.coordinator


def test_the_urls():
    assert reverse("accounts:login_code") == CODE
    assert reverse("accounts:second_factor_setup") == SETUP
    assert reverse("accounts:second_factor") == PAGE
    assert reverse("accounts:recovery_codes") == RECOVERY


def test_who_must_have_a_second_factor(world):
    for user in (world.coordinator, world.coordinator_nl, world.police, world.police_nl, world.superuser):
        assert second_factor.required_for(user), user
    for user in (world.admin_a, world.co_admin_a, world.nobody):
        assert not second_factor.required_for(user), user


def test_a_coordinator_sets_up_the_app_after_the_password_then_the_desk_opens(client, fresh_coordinator):
    response = password(client, "coordinator")
    assert response.status_code == 302 and response.url == SETUP
    assert not logged_in(client)

    page = client.get(SETUP).content.decode()
    assert "<svg" in page and 'class="qr-code"' in page
    secret = secret_on(page)
    # The page is the same on a reload: the secret a person scanned stays valid.
    assert secret_on(client.get(SETUP).content.decode()) == secret
    device = TOTPDevice.objects.get(user=fresh_coordinator)
    assert not device.confirmed and "otpauth://totp/Buurtwacht" in device.config_url

    # A wrong code changes nothing.
    response = client.post(SETUP, {"otp_token": wrong_code_for(device)}, REMOTE_ADDR=IP)
    assert response.status_code == 400 and not logged_in(client)
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed
    assert not StaticDevice.objects.filter(user=fresh_coordinator).exists()

    with time_machine.travel(dt.datetime.now(tz=ZoneInfo("UTC")) + dt.timedelta(seconds=5), tick=False):
        response = client.post(SETUP, {"otp_token": code_for_secret(secret)}, REMOTE_ADDR=IP)
    assert response.status_code == 302 and response.url == RECOVERY
    assert verified(client)
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert AuditEvent.objects.filter(action=AuditEvent.Action.USER_SECOND_FACTOR_ADDED).count() == 1

    page = client.get(RECOVERY).content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert sorted(codes) == sorted(
        StaticToken.objects.filter(device__user=fresh_coordinator).values_list("token", flat=True)
    )
    assert 'href="/beheer/"' in page
    # Shown once.
    assert client.get(RECOVERY).url == PAGE
    assert client.get("/beheer/").status_code == 200


@pytest.mark.parametrize("username", ["coordinator", "police", "root"])
def test_required_roles_reach_no_desk_page_before_setting_up(username, world, settings):
    TOTPDevice.objects.filter(user__username=username).delete()
    client = Client()
    response = password(client, username)
    assert response.status_code == 302 and response.url == SETUP
    before = AuditEvent.objects.count()
    for url in desk_urls():
        for method in (client.get, client.post):
            response = method(url)
            # To the login page; a POST-only action's address opened with GET leads to the desk
            # page above it first (apps/web/post_only.py), which sends to the login page too.
            if method == client.get and response.status_code == 302 and response.url.startswith("/beheer/"):
                response = client.get(response.url)
            assert response.status_code == 302 and response.url.startswith(LOGIN), url
    for url in ("/django-admin/", "/account/taal/", PAGE, RECOVERY, "/account/wachtwoord-bevestigen/"):
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0].startswith(LOGIN), url
    # The code page without an authenticator app sends back to setting it up.
    assert client.get(CODE).url == SETUP
    assert not logged_in(client) and AuditEvent.objects.count() == before
    assert not TOTPDevice.objects.filter(user__username=username, confirmed=True).exists()


def test_a_coordinator_with_the_app_logs_in_with_its_code(client, world):
    device = world.coordinator.totpdevice_set.get()
    response = password(client, "coordinator")
    assert response.status_code == 302 and response.url == CODE
    assert not logged_in(client)
    page = client.get(CODE)
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.content.decode()
    response = code(client, unused_code(device))
    assert response.status_code == 302 and response.url == "/beheer/"
    assert verified(client) and PENDING not in client.session
    assert client.get("/beheer/").status_code == 200


def test_the_next_page_is_kept_through_the_code_step(client, world):
    device = world.coordinator.totpdevice_set.get()
    target = reverse("staff:municipality_detail", args=[world.testdorp.pk])
    client.post(LOGIN, {"username": "coordinator", "password": PASSWORD, "next": target}, REMOTE_ADDR=IP)
    assert code(client, unused_code(device)).url == target


def test_a_wrong_code_is_refused_and_throttled(client, world):
    device = world.coordinator.totpdevice_set.get()
    with at(0):
        password(client, "coordinator")
        response = code(client, wrong_code_for(device))
        assert response.status_code == 400 and not logged_in(client)
        assert "This code is not right" in response.content.decode()
        # Right away, even the right code waits for the throttle.
        response = code(client, unused_code(device))
        assert response.status_code == 400 and "Too many wrong codes. Wait 1 second" in response.content.decode()
        assert not logged_in(client)
    with at(2):
        assert code(client, unused_code(device)).status_code == 302 and verified(client)


@pytest.mark.parametrize("bad", ["", "   ", "12 34", "x" * 41, "1234567"])
def test_bad_input_on_the_code_page_changes_nothing(client, world, bad):
    password(client, "coordinator")
    response = code(client, bad)
    assert response.status_code == 400 and not logged_in(client)
    assert PENDING in client.session


def test_wrong_codes_count_towards_the_lock_of_the_login(client, world, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the lock alone
    device = world.coordinator.totpdevice_set.get()
    password(client, "coordinator")
    for _ in range(settings.BUURTWACHT_LOGIN_FAILURE_LIMIT - 1):
        assert code(client, wrong_code_for(device)).status_code == 400
    response = code(client, wrong_code_for(device))
    assert response.status_code == 429 and "logging in is paused" in response.content.decode()
    assert PENDING not in client.session and not logged_in(client)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.USER_LOCKED_OUT).count() == 1
    # The right password and code are refused from that connection now.
    assert password(client, "coordinator").status_code == 429
    assert code(client, unused_code(device)).status_code == 302 and not logged_in(client)
    # Another connection is not affected.
    other = Client()
    assert password(other, "coordinator", ip="198.51.100.9").url == CODE
    assert code(other, unused_code(device), ip="198.51.100.9").status_code == 302 and verified(other)


def test_wrong_passwords_and_wrong_codes_add_up(client, world, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = world.coordinator.totpdevice_set.get()
    for _ in range(settings.BUURTWACHT_LOGIN_FAILURE_LIMIT - 1):
        client.post(LOGIN, {"username": "coordinator", "password": "wrong-password"}, REMOTE_ADDR=IP)
    password(client, "coordinator")
    assert code(client, wrong_code_for(device)).status_code == 429


def test_a_code_is_accepted_once(world):
    device = world.coordinator.totpdevice_set.get()
    with at(0):
        first = Client()
        password(first, "coordinator")
        token = unused_code(device)
        assert code(first, token).status_code == 302 and verified(first)
        second = Client()
        password(second, "coordinator")
        response = code(second, token)
        assert response.status_code == 400 and not logged_in(second)


def test_a_recovery_code_works_once(client, world):
    codes = second_factor.renew_recovery_codes(world.coordinator, actor=world.coordinator)
    password(client, "coordinator")
    response = client.post(CODE, {"otp_token": codes[3].upper()[:4] + "-" + codes[3][4:]}, REMOTE_ADDR=IP, follow=True)
    assert response.redirect_chain[-1][0] == "/beheer/" and verified(client)
    assert "9 codes are left" in response.content.decode()
    assert second_factor.recovery_codes_left(world.coordinator) == 9
    assert AuditEvent.objects.filter(action=AuditEvent.Action.USER_RECOVERY_CODE_USED).count() == 1

    again = Client()
    with at(0):
        password(again, "coordinator")
        response = code(again, codes[3])
        assert response.status_code == 400 and not logged_in(again)
        assert "This code is not right" in response.content.decode()
    with at(2):  # after django-otp's throttle of one wrong code
        assert code(again, codes[4]).status_code == 302 and verified(again)


def test_the_password_step_expires(client, world):
    device = world.coordinator.totpdevice_set.get()
    with at(0):
        password(client, "coordinator")
    with at(11 * 60):
        response = code(client, unused_code(device))
        assert response.status_code == 302 and response.url == LOGIN and not logged_in(client)


def test_without_the_password_step_there_is_no_code_or_setup_page(client, db):
    for url in (CODE, SETUP):
        response = client.get(url)
        assert response.status_code == 302 and response.url == LOGIN
    response = client.post(SETUP, {"otp_token": "123456"})
    assert response.status_code == 302 and not TOTPDevice.objects.exists()


def test_a_group_admin_logs_in_without_it_and_may_set_it_up(client, world):
    response = password(client, "admin_a")
    assert response.status_code == 302 and response.url == "/beheer/" and logged_in(client)
    page = client.get(PAGE).content.decode()
    assert 'id="second-factor-off"' in page
    assert 'href="/account/tweestapsverificatie/"' in client.get("/account/taal/").content.decode()

    secret = secret_on(client.get(SETUP).content.decode())
    response = client.post(SETUP, {"otp_token": code_for_secret(secret)})
    assert response.url == RECOVERY and len(re.findall(r"<li><code>", client.get(RECOVERY).content.decode())) == 10
    assert 'id="second-factor-on"' in client.get(PAGE).content.decode()

    # From now on the admin's login asks for the code.
    other = Client()
    assert password(other, "admin_a").url == CODE and not logged_in(other)

    # And the admin may switch it off again.
    response = client.post(PAGE, {"action": "remove"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=world.admin_a).exists()
    assert not StaticDevice.objects.filter(user=world.admin_a).exists()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.USER_SECOND_FACTOR_REMOVED).count() == 1
    assert password(Client(), "admin_a").url == "/beheer/"


def test_a_required_role_cannot_switch_it_off(client, world):
    client.force_login(world.police)
    response = client.post(PAGE, {"action": "remove"}, follow=True)
    assert "cannot be switched off" in response.content.decode()
    assert TOTPDevice.objects.filter(user=world.police, confirmed=True).count() == 1
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.USER_SECOND_FACTOR_REMOVED).exists()


def test_new_recovery_codes_replace_the_old_ones(client, world):
    old = second_factor.renew_recovery_codes(world.police, actor=world.police)
    client.force_login(world.police)
    response = client.post(PAGE, {"action": "renew"})
    assert response.url == RECOVERY
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", client.get(RECOVERY).content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    with at(0):
        assert second_factor.verify(world.police, old[0]) is None
    with at(2):
        assert second_factor.verify(world.police, new[0]).recovery_code


@pytest.mark.parametrize("action", ["renew", "remove", "", "explode"])
def test_the_account_page_acts_only_for_the_signed_in_person(client, world, action):
    """Visitors are sent to the login; nobody acts on another account through the page."""
    response = Client().post(PAGE, {"action": action})
    assert response.status_code == 302 and response.url.startswith(LOGIN)
    second_factor.renew_recovery_codes(world.coordinator, actor=world.coordinator)
    before = sorted(StaticToken.objects.values_list("token", flat=True))
    client.force_login(world.nobody)
    client.post(PAGE, {"action": action, "user": world.coordinator.pk})
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == before
    assert TOTPDevice.objects.filter(user=world.coordinator, confirmed=True).count() == 1


def test_the_account_page_asks_the_password_and_code_again_after_the_window(client, world):
    with at(0):
        client.force_login(world.coordinator)
    with at(11 * 60):
        response = client.post(PAGE, {"action": "renew"})
        assert response.status_code == 302 and response.url.startswith("/account/wachtwoord-bevestigen/")
        response = client.get(SETUP)
        assert response.status_code == 302 and response.url.startswith("/account/wachtwoord-bevestigen/")
        assert not StaticDevice.objects.filter(user=world.coordinator).exists()


def test_reauthentication_asks_for_the_code_too(client, world, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    device = world.coordinator.totpdevice_set.get()
    confirm = reverse("accounts:confirm_password")
    with at(0):
        client.force_login(world.coordinator)
    with at(11 * 60):
        page = client.get(confirm).content.decode()
        assert 'name="otp_token"' in page
        response = client.post(confirm, {"password": PASSWORD})
        assert response.status_code == 400 and "Type the code." in response.content.decode()
        response = client.post(confirm, {"password": PASSWORD, "otp_token": wrong_code_for(device)})
        assert response.status_code == 400
        assert client.get(PAGE).status_code == 200
        assert client.post(PAGE, {"action": "renew"}).url.startswith(confirm)
        response = client.post(confirm, {"password": PASSWORD, "otp_token": unused_code(device), "next": PAGE})
        assert response.status_code == 302 and response.url == PAGE
        assert client.post(PAGE, {"action": "renew"}).url == RECOVERY
    # An account without the app confirms with the password alone.
    admin = Client()
    with at(0):
        admin.force_login(world.admin_a)
    with at(11 * 60):
        assert 'name="otp_token"' not in admin.get(confirm).content.decode()


def test_the_django_admin_login_goes_through_the_login_page(client, world):
    response = client.post("/django-admin/login/", {"username": "root", "password": PASSWORD})
    assert response.status_code == 302 and response.url.startswith(LOGIN) and not logged_in(client)
    response = client.get("/django-admin/")
    assert response.status_code == 302 and not logged_in(client)


def demo_device(user):
    return second_factor.add_demo_authenticator(user)


def test_the_demo_secret_works_only_with_debug_on(world, settings):
    device = demo_device(world.coordinator)
    assert second_factor.secret_text(device).replace(" ", "") == second_factor.DEMO_TOTP_SECRET
    settings.DEBUG = True
    with at(0):
        assert second_factor.verify(world.coordinator, code_for_secret(second_factor.DEMO_TOTP_SECRET))
    settings.DEBUG = False
    with at(60):
        assert second_factor.verify(world.coordinator, code_for_secret(second_factor.DEMO_TOTP_SECRET)) is None
    settings.DEBUG, settings.PRODUCTION = True, True
    with at(120):
        assert second_factor.verify(world.coordinator, code_for_secret(second_factor.DEMO_TOTP_SECRET)) is None


def test_the_demo_secret_is_refused_at_the_login_page_with_debug_off(client, world, settings):
    settings.DEBUG = False
    demo_device(world.police)
    password(client, "police")
    response = code(client, code_for_secret(second_factor.DEMO_TOTP_SECRET))
    assert response.status_code == 400 and not logged_in(client)


def test_the_system_check_reports_demo_secrets_with_debug_off(world, settings):
    settings.DEBUG = False
    assert demo_authenticators() == []
    demo_device(world.police)
    errors = demo_authenticators()
    assert [e.id for e in errors] == ["accounts.E001"] and "police" in errors[0].msg
    assert "accounts.E001" in [e.id for e in run_checks()]
    settings.DEBUG = True
    assert demo_authenticators() == []
    settings.PRODUCTION = True
    assert [e.id for e in demo_authenticators()] == ["accounts.E001"]
