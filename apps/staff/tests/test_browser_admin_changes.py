"""In a real browser at 360 px, in Dutch, through the pages only: the coordinator removes the last
admin of a group after the warning and sees the group flagged on the overview; an admin enters
the group's new WhatsApp invite link and steps down, handing the group to the co-admin."""

from __future__ import annotations

import re

import pytest

from apps.groups.models import Group, GroupAdmin
from testkit.browser import assert_usable, log_in, open_page, outside_the_browser_loop, running_chromium
from testkit.world import build_world

pytestmark = pytest.mark.browser

NEW_LINK = "https://chat.whatsapp.com/NieuweCode2026"


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


def test_coordinator_removes_the_last_admin_and_sees_the_flag(browser, live_server, world):
    page = open_page(browser, width=360, locale="nl-BE")
    log_in(page, live_server, world.coordinator.username)
    assert page.locator("html").get_attribute("lang") == "nl"
    assert_usable(page, "the coordinator's overview")

    page.goto(live_server.url + f"/beheer/groepen/{world.group_b.pk}/beheerders/")
    assert_usable(page, "the admins of group B")
    with page.expect_navigation():
        page.locator(f"form:has(input[name=user][value='{world.admin_b.pk}']) button[type=submit]").click()
    # Not removed yet: the warning asks once more.
    assert page.locator("#confirm-removal-section").is_visible()
    assert outside_the_browser_loop(lambda: GroupAdmin.objects.filter(group=world.group_b).count()) == 1
    assert_usable(page, "the warning before removing the last admin")
    with page.expect_navigation():
        page.locator("#confirm-removal-section button[type=submit]").click()
    assert outside_the_browser_loop(lambda: GroupAdmin.objects.filter(group=world.group_b).count()) == 0
    assert_usable(page, "the admins page of a group without admin")

    page.goto(live_server.url + "/beheer/")
    flagged = page.locator(".flagged-groups li", has_text="Testdorp Zuid")
    assert flagged.count() == 1 and flagged.locator(".flag").count() == 1
    assert page.locator(".flagged-groups li", has_text="Testdorp Noord").count() == 0
    assert_usable(page, "the overview with the flagged group")


def test_admin_updates_the_invite_link_and_steps_down(browser, live_server, world):
    page = open_page(browser, width=360, locale="nl-BE")
    log_in(page, live_server, world.admin_a.username)
    page.goto(live_server.url + f"/beheer/groepen/{world.group_a.pk}/")
    assert_usable(page, "the group's page")

    page.locator("details:has(input[name=invite_link]) summary").click()
    page.fill("#id_invite_link", "https://example.org/groep")
    with page.expect_navigation():
        page.locator("form:has(input[value=update_invite]) button[type=submit]").click()
    assert page.locator("#id_invite_link_error, .errorlist").first.is_visible()
    assert_usable(page, "the group's page with a wrong invite link")
    page.fill("#id_invite_link", NEW_LINK + "?mode=ems_copy_t")
    with page.expect_navigation(url=re.compile(rf"/beheer/groepen/{world.group_a.pk}/$")):
        page.locator("form:has(input[value=update_invite]) button[type=submit]").click()
    link = outside_the_browser_loop(lambda: Group.objects.get(pk=world.group_a.pk).invite_link)
    assert link == NEW_LINK
    assert_usable(page, "the group's page after the new link")

    page.check(f"input[name=successor][value='{world.co_admin_a.pk}']")
    with page.expect_navigation(url=re.compile(r"/beheer/$")):
        page.locator("form:has(input[value=step_down]) button[type=submit]").click()
    roles = outside_the_browser_loop(
        lambda: list(GroupAdmin.objects.filter(group=world.group_a).values_list("user__username", "role"))
    )
    assert roles == [("co_admin_a", GroupAdmin.Role.ADMIN)]
    assert_usable(page, "the overview after stepping down")
