"""In a real browser at 360 px, in Dutch, through the pages only: the coordinator appoints the
police officer, who is invited instead; the officer opens the invitation's link (logged out
first: asked to log in), sees what it means and accepts; a new person invited by name accepts and
chooses a password on the invitation's page."""

from __future__ import annotations

import re

import pytest

from apps.accounts.models import User
from apps.groups.models import AdminInvitation, GroupAdmin
from apps.messaging.models import OutgoingMessage
from testkit.browser import assert_usable, enter_code, log_in, open_page, outside_the_browser_loop, running_chromium
from testkit.world import PASSWORD, build_world

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _english():
    """These pages are seen as a Dutch-speaking volunteer sees them: the site's default language."""


@pytest.fixture
def world(transactional_db):
    return build_world()


@pytest.fixture
def browser(live_server, world):
    with running_chromium() as browser:
        yield browser


def _link_path(email: str) -> str:
    body = (
        OutgoingMessage.objects.filter(topic__in=("group.admin_invited", "account.invited"), recipient=email)
        .latest("pk")
        .body
    )
    return re.search(r"(/beheer/uitnodiging/[A-Za-z0-9_-]+/)", body).group(1)


def test_the_police_officer_is_invited_and_accepts(browser, live_server, world):
    coordinator = open_page(browser, width=360, locale="nl-BE")
    log_in(coordinator, live_server, world.coordinator.username)
    coordinator.goto(live_server.url + f"/beheer/groepen/{world.group_a.pk}/beheerders/")
    coordinator.fill("#id_user", "police")
    coordinator.select_option("#id_role", "co_admin")
    with coordinator.expect_navigation():
        coordinator.locator("form:has(input[name=action][value=appoint]) button[type=submit]").click()
    assert outside_the_browser_loop(lambda: not GroupAdmin.objects.filter(user=world.police).exists())
    invitation = outside_the_browser_loop(lambda: AdminInvitation.objects.get(user=world.police))
    assert coordinator.locator(f"#invitation-{invitation.pk}").is_visible()
    assert_usable(coordinator, "the admins page with an invitation waiting")

    path = outside_the_browser_loop(lambda: _link_path(world.police.email))
    officer = open_page(browser, width=360, locale="nl-BE")
    officer.goto(live_server.url + path)
    assert officer.locator("#log-in-first").is_visible()
    assert_usable(officer, "the invitation, logged out")
    officer.click("main a.button")
    officer.fill("#id_username", world.police.username)
    officer.fill("#id_password", PASSWORD)
    officer.click("main button[type=submit]")
    enter_code(officer, world.police.username)
    officer.wait_for_url(re.compile(re.escape(path) + "$"))
    assert_usable(officer, "the invitation of the officer")
    with officer.expect_navigation(url=re.compile(rf"/beheer/groepen/{world.group_a.pk}/$")):
        officer.locator("button[name=answer][value=accept]").click()
    role = outside_the_browser_loop(lambda: GroupAdmin.objects.get(user=world.police).role)
    assert role == GroupAdmin.Role.CO_ADMIN
    assert_usable(officer, "the group's page after accepting")


def test_a_new_person_accepts_and_chooses_a_password(browser, live_server, world):
    coordinator = open_page(browser, width=360, locale="nl-BE")
    log_in(coordinator, live_server, world.coordinator.username)
    coordinator.goto(live_server.url + f"/beheer/groepen/{world.group_b.pk}/beheerders/")
    coordinator.fill("#id_invite_full_name", "Rik De Smet")
    coordinator.fill("#id_invite_email", "rik@example.be")
    coordinator.fill("#id_invite_phone", "0470 12 34 56")
    with coordinator.expect_navigation():
        coordinator.locator("form:has(input[name=action][value=invite]) button[type=submit]").click()
    path = outside_the_browser_loop(lambda: _link_path("rik@example.be"))

    person = open_page(browser, width=360, locale="nl-BE")
    person.goto(live_server.url + path)
    person.fill("#id_new_password1", "kort")
    person.fill("#id_new_password2", "kort")
    with person.expect_navigation():
        person.locator("#answer button[name=answer][value=accept]").click()
    assert person.locator(".errorlist").first.is_visible()
    assert_usable(person, "the invitation with a password that is too short")
    person.fill("#id_new_password1", "fietsenrek-aan-de-kerk")
    person.fill("#id_new_password2", "fietsenrek-aan-de-kerk")
    with person.expect_navigation(url=re.compile(rf"/beheer/groepen/{world.group_b.pk}/$")):
        person.locator("#answer button[name=answer][value=accept]").click()
    rik = outside_the_browser_loop(lambda: User.objects.get(email="rik@example.be"))
    assert outside_the_browser_loop(lambda: GroupAdmin.objects.filter(group=world.group_b, user=rik).exists())
    assert_usable(person, "the group's page of the new admin")
