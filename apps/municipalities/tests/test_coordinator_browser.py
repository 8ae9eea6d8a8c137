"""The coordinator in a real browser on a phone (360 px, Dutch): the municipality page and the
coverage page give the same coverage figure; a new version of the house rules is published, and
the same text sent again is refused. A member accepts the new version by the link in their e-mail
(360 px, French). Every page passes ``assert_usable``."""

from __future__ import annotations

import re

import pytest

from apps.members.models import Member
from apps.messaging.models import OutgoingMessage
from apps.municipalities.models import HouseRulesVersion, SubMunicipality
from apps.municipalities.services import publish_house_rules
from testkit.browser import assert_usable, enter_code, open_page, outside_the_browser_loop, running_chromium
from testkit.world import PASSWORD, add_member, box, build_world

pytestmark = pytest.mark.browser


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


def _versions(world) -> list[int]:
    return outside_the_browser_loop(
        lambda: list(HouseRulesVersion.objects.filter(municipality=world.testdorp).values_list("version", flat=True))
    )


def test_coordinator_reads_one_coverage_figure_and_publishes_house_rules(browser, live_server, world):
    page = open_page(browser, width=360, locale="nl-BE")
    page.goto(live_server.url + "/beheer/")
    page.wait_for_url(re.compile(r"/account/inloggen/"))
    assert page.locator("html").get_attribute("lang") == "nl"
    assert_usable(page, "login")
    page.fill("input[name=username]", world.coordinator.username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    enter_code(page, world.coordinator.username)
    page.wait_for_url(re.compile(r"/beheer/$"))

    # The municipality page: "2 van 3" sub-municipalities covered, and two "gedekt" in its list.
    page.goto(live_server.url + f"/beheer/gemeente/{world.testdorp.pk}/")
    assert_usable(page, "municipality page")
    figure = page.locator("dl.figures > div").nth(2).locator("dd").inner_text().strip()
    assert figure == "2 van 3"
    assert page.locator("ul.coverage .badge.ok").count() == 2

    # The coverage page, reached by its button: the same figure in its sentence and its table.
    page.locator(f"a[href='/beheer/gemeente/{world.testdorp.pk}/dekking/']").first.click()
    page.wait_for_url(re.compile(r"/dekking/$"))
    page.wait_for_load_state("networkidle")  # the map layer
    assert_usable(page, "coverage page")
    assert f"{figure} deelgemeenten gedekt" in page.locator("p.lead").inner_text()
    assert page.locator("table .badge.ok").count() == 2

    # The house rules: the form holds the current text; sent unchanged, it is refused.
    page.goto(live_server.url + f"/beheer/gemeente/{world.testdorp.pk}/huisregels/")
    assert_usable(page, "house rules")
    assert page.input_value("textarea[name=text]") == "1. Eerst 101 bellen.\n2. Geen chat."
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".notice-error").count() >= 1
    assert_usable(page, "house rules refused")
    assert _versions(world) == [1]

    # A real change is published as version 2, and the admins are told.
    page.fill("textarea[name=text]", "1. Eerst 101 bellen.\n2. Geen chat.\n3. Geen foto's van personen.")
    page.fill("input[name=title_fr]", "Charte")
    page.fill("textarea[name=text_fr]", "1. Appelez le 101 avant tout.")
    with page.expect_navigation(url=re.compile(r"/huisregels/$")):
        page.locator("main form button[type=submit]").click()
    assert_usable(page, "house rules published")
    assert sorted(_versions(world)) == [1, 2]
    assert "3. Geen foto's van personen." in page.locator(".card.rules").first.inner_text()
    told = outside_the_browser_loop(lambda: OutgoingMessage.objects.filter(topic="house_rules.published").count())
    assert told == 3


def test_member_accepts_the_new_rules_by_the_link_on_a_phone(browser, live_server, world):
    def publish():
        member = add_member(world.group_a, 1)
        publish_house_rules(
            world.testdorp,
            title="Huisregels",
            text="1. Eerst 101 bellen.\n2. Geen chat.\n3. Geen foto's.",
            translations={"fr": {"title": "Charte", "text": "1. Appelez le 101 avant tout."}},
            actor=world.coordinator,
        )
        mail = OutgoingMessage.objects.get(topic="house_rules.accept", recipient=member.email)
        return member, re.search(r"http://testserver(/huisregels-aanvaarden/\S+/)", mail.body).group(1)

    member, link = outside_the_browser_loop(publish)
    page = open_page(browser, width=360, locale="fr-BE")
    page.goto(live_server.url + link)
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "1. Appelez le 101 avant tout." in page.locator("#house-rules").inner_text()
    assert_usable(page, "accept link")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert_usable(page, "accepted")
    version = outside_the_browser_loop(lambda: Member.objects.get(pk=member.pk).house_rules_version.version)
    assert version == 2
