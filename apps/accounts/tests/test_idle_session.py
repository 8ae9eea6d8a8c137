"""A staff session unused for BUURTWACHT_SESSION_IDLE_MINUTES ends; the login page then says why.
The time of the last activity is written to the session at most once a minute."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from apps.accounts.sessions import LAST_ACTIVITY
from apps.members.models import Member
from testkit.world import PASSWORD, add_member

DESK = "/beheer/"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Europe/Brussels"))
ENDED = "because you were inactive for 30 minutes"


def at(minutes: float):
    return time_machine.travel(START + dt.timedelta(minutes=minutes), tick=False)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_default_is_thirty_minutes(settings):
    assert settings.BUURTWACHT_SESSION_IDLE_MINUTES == 30


def test_a_session_in_use_stays(client, world):
    with at(0):
        client.force_login(world.admin_a)
    for minutes in (29, 58, 87, 116):  # never 30 minutes apart
        with at(minutes):
            assert client.get(DESK).status_code == 200, minutes
            assert logged_in(client)


def test_an_idle_session_ends_and_the_login_page_says_why(client, world):
    with at(0):
        client.force_login(world.admin_a)
        assert client.get(DESK).status_code == 200
    with at(31):
        response = client.get(DESK)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login") + "?next=")
        assert not logged_in(client)
        page = client.get(response.url).content.decode()
        assert ENDED in page and "Log in again to continue" in page
        # Said once: the next visit of the login page is a plain one.
        assert ENDED not in client.get(reverse("accounts:login")).content.decode()
        # Logging in again works and lands where the person was going.
        response = client.post(response.url, {"username": "admin_a", "password": PASSWORD})
        assert response.status_code == 302 and response.url == DESK
        assert client.get(DESK).status_code == 200


def test_the_limit_is_a_setting(client, world, settings):
    settings.BUURTWACHT_SESSION_IDLE_MINUTES = 5
    with at(0):
        client.force_login(world.admin_a)
    with at(4):
        assert client.get(DESK).status_code == 200
    with at(9.5):
        response = client.get(DESK)
        assert response.status_code == 302
        assert "inactive for 5 minutes" in client.get(response.url).content.decode()


def test_an_idle_session_does_not_carry_out_a_post(client, world):
    member = add_member(world.group_a, 1)
    with at(0):
        client.force_login(world.admin_a)
    with at(45):
        response = client.post(reverse("staff:member_remove", args=[member.pk]), {"reason": "Spam"})
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert Member.objects.get(pk=member.pk).left_at is None


def test_the_activity_is_written_at_most_once_a_minute(client, world):
    # (The session is read inside each moment: the database's sessions expire on the real clock.)
    with at(0):
        client.force_login(world.admin_a)
        written = client.session[LAST_ACTIVITY]
    with at(0.5):
        client.get(DESK)
        assert client.session[LAST_ACTIVITY] == written  # the session was not saved for it
    with at(1.1):
        client.get(DESK)
        assert client.session[LAST_ACTIVITY] == written + 66


def test_a_login_through_the_page_starts_the_clock(client, world):
    with at(0):
        response = client.post(reverse("accounts:login"), {"username": "admin_a", "password": PASSWORD})
        assert response.status_code == 302
    with at(20):
        assert client.get(DESK).status_code == 200
    with at(51):
        assert client.get(DESK).status_code == 302


def test_visitors_get_no_session(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "sessionid" not in response.cookies


def test_a_session_from_before_the_clock_gets_one(client, world):
    """Sessions opened before this was deployed have no activity time: they get one, not an end."""
    with at(0):
        client.force_login(world.admin_a)
        session = client.session
        del session[LAST_ACTIVITY]
        session.save()
    with at(300):
        assert client.get(DESK).status_code == 200
        assert client.session[LAST_ACTIVITY] == int((START + dt.timedelta(minutes=300)).timestamp())
