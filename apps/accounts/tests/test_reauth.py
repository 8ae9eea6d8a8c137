"""The member export, removing a member and changing a group's admins ask for the password again
when it was typed more than BUURTWACHT_REAUTH_MINUTES ago: an export runs after the password; a
refused POST is not carried out, and the person is back on the page they came from."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from apps.accounts.decorators import recent_login_required
from apps.audit.models import AuditEvent
from apps.groups.models import GroupAdmin
from apps.members.models import Member
from testkit.second_factor import unused_code
from testkit.world import PASSWORD, add_member

CONFIRM = "/account/wachtwoord-bevestigen/"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Europe/Brussels"))
LATER = 11  # minutes: past the re-authentication window, well within the idle limit


def at(minutes: float):
    return time_machine.travel(START + dt.timedelta(minutes=minutes), tick=False)


def query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


@pytest.fixture
def member(world):
    return add_member(world.group_a, 1)


def test_the_url_and_the_default(settings):
    assert reverse("accounts:confirm_password") == CONFIRM
    assert settings.BUURTWACHT_REAUTH_MINUTES == 10


def test_a_fresh_login_needs_no_confirmation(client, world, member):
    """force_login counts as typing the password, like a login through the page."""
    client.force_login(world.admin_a)
    response = client.get(reverse("staff:member_export", args=[world.group_a.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")


def test_a_login_through_the_page_counts_too(client, world, member):
    with at(0):
        client.post(reverse("accounts:login"), {"username": "admin_a", "password": PASSWORD})
    with at(9):
        response = client.get(reverse("staff:member_export", args=[world.group_a.pk]))
        assert response.status_code == 200


def test_an_export_after_the_window_asks_for_the_password_then_runs(client, world, member):
    export = reverse("staff:member_export", args=[world.group_a.pk]) + "?sep=comma"
    member_list = reverse("staff:member_list", args=[world.group_a.pk])
    with at(0):
        client.force_login(world.admin_a)
    with at(LATER):
        response = client.get(export, HTTP_REFERER=f"http://testserver{member_list}")
        assert response.status_code == 302 and response.url.startswith(CONFIRM)
        assert query(response.url) == {"next": export, "back": member_list}
        assert not AuditEvent.objects.filter(action=AuditEvent.Action.MEMBERS_EXPORTED).exists()

        page = client.get(response.url)
        text = page.content.decode()
        assert page.status_code == 200 and "Confirm your password" in text
        assert "more than 10 minutes ago" in text
        assert f'href="{member_list}"' in text  # "Cancel" goes back to the list, not to the export
        assert 'autocomplete="current-password"' in text

        # A wrong password is refused and changes nothing.
        response = client.post(response.url, {"password": "not-the-password", "next": export, "back": member_list})
        assert response.status_code == 400
        assert "This is not the password of your account." in response.content.decode()
        assert client.get(export).status_code == 302

        # The right one leads back to the export, which now runs.
        response = client.post(CONFIRM, {"password": PASSWORD, "next": export, "back": member_list})
        assert response.status_code == 302 and response.url == export
        response = client.get(response.url)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        assert AuditEvent.objects.filter(action=AuditEvent.Action.MEMBERS_EXPORTED).count() == 1
    # The confirmation holds for the window, then is asked again.
    with at(LATER + 9):
        assert client.get(export).status_code == 200
    with at(LATER + 11):
        assert client.get(export).status_code == 302


def test_a_removal_after_the_window_is_not_carried_out_and_returns_to_the_page(client, world, member):
    member_list = reverse("staff:member_list", args=[world.group_a.pk]) + "?q=Lid"
    remove = reverse("staff:member_remove", args=[member.pk])
    with at(0):
        client.force_login(world.admin_a)
    with at(LATER):
        response = client.post(remove, {"reason": "Spam in de groep."}, HTTP_REFERER=f"http://testserver{member_list}")
        assert response.status_code == 302 and response.url.startswith(CONFIRM)
        assert query(response.url) == {"next": member_list, "redo": "1"}
        assert Member.objects.get(pk=member.pk).left_at is None

        page = client.get(response.url).content.decode()
        assert "Nothing was changed yet" in page and 'name="redo" value="1"' in page

        response = client.post(CONFIRM, {"password": PASSWORD, "next": member_list, "redo": "1"}, follow=True)
        assert response.redirect_chain[-1][0] == member_list
        assert "Password confirmed. Nothing was changed yet: do it again now." in response.content.decode()
        assert Member.objects.get(pk=member.pk).left_at is None  # still not removed

        # Done again, now it is.
        response = client.post(remove, {"reason": "Spam in de groep."})
        assert response.status_code == 302 and response.url == reverse("staff:member_list", args=[world.group_a.pk])
        assert Member.objects.get(pk=member.pk).left_at is not None


def test_without_a_referring_page_a_refused_post_returns_to_the_desk(client, world, member):
    with at(0):
        client.force_login(world.admin_a)
    with at(LATER):
        response = client.post(reverse("staff:member_remove", args=[member.pk]), {"reason": "Spam"})
        assert query(response.url)["next"] == reverse("staff:dashboard")
        # A referring page of another site is not followed either.
        response = client.post(
            reverse("staff:member_remove", args=[member.pk]), {"reason": "Spam"}, HTTP_REFERER="https://evil.example/x"
        )
        assert query(response.url)["next"] == reverse("staff:dashboard")


def test_the_page_of_a_groups_admins_shows_but_changes_ask_for_the_password(client, world):
    url = reverse("staff:group_admins", args=[world.group_a.pk])
    with at(0):
        client.force_login(world.coordinator)
    with at(LATER):
        assert client.get(url).status_code == 200  # looking needs no password
        before = sorted(world.group_a.admin_roles.values_list("user__username", "role"))
        for data in (
            {"action": "appoint", "user": "admin_b@example.org", "role": "co_admin"},
            {"action": "remove", "user": str(world.co_admin_a.pk)},
            {"action": "invite", "full_name": "Els Van den Berg", "email": "els@example.org", "role": "admin"},
        ):
            response = client.post(url, data, HTTP_REFERER=f"http://testserver{url}")
            assert response.status_code == 302 and query(response.url) == {"next": url, "redo": "1"}, data
        assert sorted(world.group_a.admin_roles.values_list("user__username", "role")) == before

        # A coordinator has an authenticator app: its code is asked with the password.
        code = unused_code(world.coordinator.totpdevice_set.get())
        response = client.post(CONFIRM, {"password": PASSWORD, "otp_token": code, "next": url, "redo": "1"})
        assert response.url == url
        response = client.post(url, {"action": "appoint", "user": "admin_b@example.org", "role": "co_admin"})
        assert response.status_code == 302
        assert GroupAdmin.objects.get(group=world.group_a, user=world.admin_b).role == GroupAdmin.Role.CO_ADMIN


def test_the_window_is_a_setting(client, world, member, settings):
    settings.BUURTWACHT_REAUTH_MINUTES = 2
    export = reverse("staff:member_export", args=[world.group_a.pk])
    with at(0):
        client.force_login(world.admin_a)
    with at(1.5):
        assert client.get(export).status_code == 200
    with at(2.5):
        response = client.get(export)
        assert response.status_code == 302 and response.url.startswith(CONFIRM)
        assert "more than 2 minutes ago" in client.get(response.url).content.decode()


def test_confirming_returns_only_to_this_site(client, world):
    with at(0):
        client.force_login(world.admin_a)
    with at(LATER):
        response = client.post(CONFIRM, {"password": PASSWORD, "next": "https://evil.example/steal"})
        assert response.status_code == 302 and response.url == reverse("staff:dashboard")
        response = client.post(CONFIRM, {"password": PASSWORD, "next": "//evil.example/steal"})
        assert response.url == reverse("staff:dashboard")


def test_the_confirmation_page_needs_a_login(client, db):
    response = client.get(CONFIRM)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_wrong_passwords_on_the_confirmation_page_pause_the_login_and_end_the_session(client, world, settings):
    with at(0):
        client.force_login(world.admin_a)
    with at(LATER):
        for _ in range(settings.BUURTWACHT_LOGIN_FAILURE_LIMIT - 1):
            response = client.post(CONFIRM, {"password": "guess"}, REMOTE_ADDR="192.0.2.66")
            assert response.status_code == 400
        response = client.post(CONFIRM, {"password": "guess"}, REMOTE_ADDR="192.0.2.66")
        assert response.status_code == 429 and "logging in is paused" in response.content.decode()
        assert "_auth_user_id" not in client.session
        assert AuditEvent.objects.get(action=AuditEvent.Action.USER_LOCKED_OUT).target_id == str(world.admin_a.pk)
        # From that connection even the right password is refused now.
        response = client.post(
            reverse("accounts:login"), {"username": "admin_a", "password": PASSWORD}, REMOTE_ADDR="192.0.2.66"
        )
        assert response.status_code == 429


def test_a_confirmation_clears_earlier_wrong_passwords(client, world, settings):
    with at(0):
        client.force_login(world.admin_a)
    with at(LATER):
        for _ in range(settings.BUURTWACHT_LOGIN_FAILURE_LIMIT - 1):
            client.post(CONFIRM, {"password": "guess"}, REMOTE_ADDR="192.0.2.66")
        client.post(CONFIRM, {"password": PASSWORD}, REMOTE_ADDR="192.0.2.66")
        response = client.post(CONFIRM, {"password": "guess"}, REMOTE_ADDR="192.0.2.66")
        assert response.status_code == 400  # counted from zero again, not paused


def _view(request):
    return HttpResponse("done")


def test_the_decorator_on_its_own(world, rf: RequestFactory):
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore

    guarded = recent_login_required(_view)
    only_post = recent_login_required(methods=["POST"])(_view)

    request = rf.get("/x/")
    request.user, request.session = AnonymousUser(), SessionStore()
    response = guarded(request)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))

    request = rf.get("/x/?a=1")
    request.user, request.session = world.admin_a, SessionStore()  # no password time in the session
    response = guarded(request)
    assert response.status_code == 302 and query(response.url)["next"] == "/x/?a=1"
    assert only_post(request).content == b"done"

    request = rf.post("/x/")
    request.user, request.session = world.admin_a, SessionStore()
    assert only_post(request).status_code == 302


@pytest.fixture
def live_world(transactional_db):
    from testkit.world import build_world

    world = build_world()
    add_member(world.group_a, 1)
    return world


@pytest.mark.browser
def test_in_the_browser_a_removal_asks_for_the_password_and_returns_to_the_list(live_server, live_world):
    """Logging in through the page, as the demo's staff do; later a removal asks for the password."""
    from django.contrib.sessions.backends.db import SessionStore

    from apps.accounts.sessions import PASSWORD_ENTERED
    from testkit.browser import assert_usable, log_in, open_page, outside_the_browser_loop, running_chromium

    member_list = f"/beheer/groepen/{live_world.group_a.pk}/leden/"
    with running_chromium() as browser:
        page = open_page(browser, width=360, locale="nl-BE")
        log_in(page, live_server, "admin_a")
        session_key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")

        def typed_long_ago():
            session = SessionStore(session_key)
            session[PASSWORD_ENTERED] -= 3600
            session.save()

        outside_the_browser_loop(typed_long_ago)
        page.goto(live_server.url + member_list)
        page.locator("details.remove summary").first.click()
        page.fill("textarea[name=reason]", "Deelt berichten buiten de groep.")
        page.locator("details.remove button[type=submit]").first.click()
        page.wait_for_url("**/account/wachtwoord-bevestigen/**")
        assert_usable(page, "confirm the password")
        page.fill("input[name=password]", PASSWORD)
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        assert page.url == live_server.url + member_list
        assert page.locator(".notice-success").count() == 1
        assert outside_the_browser_loop(lambda: Member.objects.current().filter(group=live_world.group_a).count()) == 1
