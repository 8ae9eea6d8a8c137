"""The coordinator's day in a real browser on a 360 px phone, in Dutch, through the pages only: the
desk, the municipality page and the coverage page give one coverage figure; the coordinator
removes the last admin of a group and the desk flags that group "no admin"; a new version of the
house rules is published, and the admins who remain are told. Every page passes
``assert_usable``; the database is read only to check the outcome."""

from __future__ import annotations

import re

import pytest
from django.utils.translation import gettext, override

from apps.groups.models import GroupAdmin
from apps.messaging.models import OutgoingMessage
from apps.municipalities.models import HouseRulesVersion, SubMunicipality
from testkit.browser import assert_usable, open_page, outside_the_browser_loop, running_chromium
from testkit.world import box, build_world

from .journeys import assert_in_sight, log_in_through_the_page

pytestmark = pytest.mark.browser

NEW_RULES = "1. Eerst 101 bellen.\n2. Geen chat.\n3. Geen foto's van personen."


@pytest.fixture(autouse=True)
def _english():
    """These pages are seen as a Dutch-speaking coordinator sees them: the site's default language."""


@pytest.fixture
def world(transactional_db):
    world = build_world()
    # Group A's area (5.30–5.32 × 50.75–50.76) spans West and Oost; Veld has no group.
    SubMunicipality.objects.create(municipality=world.testdorp, name="West", geometry=box(5.30, 50.70, 5.31, 50.76))
    SubMunicipality.objects.create(municipality=world.testdorp, name="Oost", geometry=box(5.31, 50.70, 5.32, 50.76))
    SubMunicipality.objects.create(municipality=world.testdorp, name="Veld", geometry=box(5.38, 50.68, 5.42, 50.72))
    return world


@pytest.fixture
def browser(live_server, world):
    with running_chromium() as browser:
        yield browser


def covered_figure(page) -> str:
    """The figure "sub-municipalities covered" of the figures block on this page."""
    with override("nl"):
        label = gettext("Sub-municipalities covered")
    figure = page.locator("dl.figures > div", has=page.locator("dt", has_text=label))
    assert_in_sight(figure.locator("dd"), "the coverage figure")
    return figure.locator("dd").inner_text().strip()


def flags_of(page, group_name: str) -> list[str]:
    """The flags the desk shows for a group under "Groups that need you"."""
    flagged = page.locator(".flagged-groups li", has=page.locator("a", has_text=re.compile(f"^{group_name}$")))
    if flagged.count() == 0:
        return []
    for flag in flagged.locator(".flag").all():
        assert_in_sight(flag, f"a flag of {group_name}")
    return [flag.inner_text().strip() for flag in flagged.locator(".flag").all()]


def test_coordinator_reads_one_figure_flags_a_group_without_admin_and_publishes_house_rules(
    browser, live_server, world
):
    with override("nl"):
        no_admin, one_admin = gettext("No admin"), gettext("Only one admin")
    pk = world.testdorp.pk
    page = open_page(browser, width=360, locale="nl-BE")
    log_in_through_the_page(page, live_server, world.coordinator.username)

    # One coverage figure: on the desk, the municipality page and the coverage page.
    assert covered_figure(page) == "2 van 3"
    # Group B stands or falls with its one admin; group A has an admin and a co-admin.
    assert flags_of(page, "Testdorp Zuid") == [one_admin]
    assert flags_of(page, "Testdorp Noord") == []
    with page.expect_navigation(url=re.compile(rf"/beheer/gemeente/{pk}/$")):
        page.locator(f"main h2 a[href='/beheer/gemeente/{pk}/']").click()
    assert_usable(page, "the municipality page")
    assert covered_figure(page) == "2 van 3"
    assert page.locator("ul.coverage .badge.ok").count() == 2
    with page.expect_navigation(url=re.compile(rf"/beheer/gemeente/{pk}/dekking/$")):
        page.locator(f"main a.button[href='/beheer/gemeente/{pk}/dekking/']").click()
    page.wait_for_load_state("networkidle")  # the map layer
    assert_usable(page, "the coverage page")
    assert "2 van 3 deelgemeenten gedekt" in page.locator("p.lead").inner_text()
    assert page.locator("table .badge.ok").count() == 2

    # Group B's admin steps out: the coordinator removes them from the group's admins page.
    page.goto(live_server.url + f"/beheer/gemeente/{pk}/")
    with page.expect_navigation(url=re.compile(rf"/beheer/groepen/{world.group_b.pk}/$")):
        page.locator(f"main table a[href='/beheer/groepen/{world.group_b.pk}/']").click()
    assert_usable(page, "group B")
    with page.expect_navigation(url=re.compile(rf"/beheer/groepen/{world.group_b.pk}/beheerders/$")):
        page.locator(f"main a[href='/beheer/groepen/{world.group_b.pk}/beheerders/']").click()
    assert_usable(page, "the admins of group B")
    with page.expect_navigation():
        page.locator(f"form:has(input[name=user][value='{world.admin_b.pk}']) button[type=submit]").click()
    # The last admin: the page says what follows and asks once more.
    assert_in_sight(page.locator("#confirm-removal-section button[type=submit]"), "remove anyway")
    assert_usable(page, "the warning before removing the last admin")
    with page.expect_navigation(url=re.compile(rf"/beheer/groepen/{world.group_b.pk}/beheerders/$")):
        page.locator("#confirm-removal-section button[type=submit]").click()
    assert page.locator(".notice-warning").count() >= 1
    assert_usable(page, "the admins page of a group without admin")
    assert outside_the_browser_loop(lambda: GroupAdmin.objects.filter(group=world.group_b).count()) == 0

    # The desk flags the group "no admin"; the coverage figure stays the same.
    with page.expect_navigation(url=re.compile(r"/beheer/$")):
        page.locator("header a[href='/beheer/']").click()
    assert flags_of(page, "Testdorp Zuid") == [no_admin]
    assert flags_of(page, "Testdorp Noord") == []
    assert covered_figure(page) == "2 van 3"
    assert_usable(page, "the desk with the flagged group")

    # A new version of the house rules, from the desk.
    with page.expect_navigation(url=re.compile(rf"/beheer/gemeente/{pk}/huisregels/$")):
        page.locator(f"main a[href='/beheer/gemeente/{pk}/huisregels/']").click()
    assert_usable(page, "the house rules")
    assert page.input_value("textarea[name=text]") == "1. Eerst 101 bellen.\n2. Geen chat."
    page.fill("textarea[name=text]", NEW_RULES)
    page.fill("input[name=title_fr]", "Charte")
    page.fill("textarea[name=text_fr]", "1. Appelez le 101 avant tout.")
    with page.expect_navigation(url=re.compile(rf"/beheer/gemeente/{pk}/huisregels/$")):
        page.locator("main form button[type=submit].primary").click()
    assert page.locator(".notice-success").count() == 1
    assert "3. Geen foto's van personen." in page.locator(".card.rules").first.inner_text()
    assert_usable(page, "the house rules published")

    def published():
        versions = list(HouseRulesVersion.objects.filter(municipality=world.testdorp).values_list("version", "text"))
        told = set(OutgoingMessage.objects.filter(topic="house_rules.published").values_list("recipient", flat=True))
        return sorted(versions), told

    versions, told = outside_the_browser_loop(published)
    assert [v for v, _ in versions] == [1, 2] and versions[1][1] == NEW_RULES
    # The admins who remain are told; the admin who stepped out is not.
    assert told == {world.admin_a.email, world.co_admin_a.email}
