"""The figures dashboard in a real browser, at a phone's 360 px and on a desktop: a coordinator
(in Dutch) opens it from the desk, changes the period and downloads the CSV; a police officer (in
French) reads the zone's figures. Every page passes ``assert_usable``; only the setup goes
through the database."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from apps.incidents.models import Incident
from apps.staff.tests.journeys import log_in_through_the_page
from testkit.browser import assert_usable, open_page, running_chromium
from testkit.world import add_member, build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):
    world = build_world()
    now = timezone.now()
    for n in range(6):
        add_member(world.group_a, 100 + n, joined_at=now - dt.timedelta(days=60))
    add_member(world.group_b, 200, joined_at=now - dt.timedelta(days=60), street="Zuidstraat")
    for days in (5, 40, 400):
        Incident.objects.create(
            municipality=world.testdorp,
            area=world.group_a.area,
            category="burglary",
            occurred_at=now - dt.timedelta(days=days),
            lat=50.755,
            lon=5.31,
            text="Inbraak gemeld.",
        )
    return world


@pytest.fixture
def browser(live_server, world):
    with running_chromium() as browser:
        yield browser


@pytest.mark.parametrize("width", [360, 1280], ids=["phone", "desktop"])
def test_coordinator_changes_the_period_and_downloads_the_csv(browser, live_server, world, width):
    page = open_page(browser, width=width, locale="nl-BE")
    log_in_through_the_page(page, live_server, world.coordinator.username, lang="nl")
    page.locator(".desk-nav a[href='/beheer/cijfers/']").click()
    page.wait_for_url(f"**/beheer/cijfers/gemeente/{world.testdorp.pk}/")
    assert_usable(page, "the figures of Testdorp")
    main = page.locator("main")
    assert main.locator("svg.chart").count() >= 3
    assert "Testdorp Zuid" in main.locator("#fig-groups ~ .figure-pair table").inner_text()
    assert "1" in main.locator("#fig-groups ~ .figure-pair table").inner_text()  # exact for coordinators

    # A period of more than five years is refused, with the message next to the field.
    page.fill("#id_from", "2015-01-01")
    page.fill("#id_to", "2025-12-31")
    page.locator(".period-form button[type=submit]").click()
    assert page.locator(".error-summary").is_visible()
    assert page.locator("svg.chart").count() == 0
    page.errors.clear()  # the refused period answers 400 on purpose
    assert_usable(page, "the refused period")

    # The last 30 days: one incident of the three.
    start = (timezone.localdate() - dt.timedelta(days=30)).isoformat()
    page.fill("#id_from", start)
    page.fill("#id_to", timezone.localdate().isoformat())
    with page.expect_navigation():
        page.locator(".period-form button[type=submit]").click()
    assert f"from={start}" in page.url, (page.url, page.input_value("#id_from"))
    assert_usable(page, "the figures of the last 30 days")
    incidents = page.locator("#fig-incidents_category ~ .figure-pair table tbody").inner_text()
    assert incidents.split()[-1] == "1"

    with page.expect_download() as info:
        page.locator("a[href*='cijfers.csv']").click()
    download = info.value
    with open(download.path(), encoding="utf-8-sig") as handle:
        text = handle.read()
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][0] and [r for r in rows if r[1:] == ["", "2"] or r[2:] == ["7"]]
    assert [start] in [r[2:] for r in rows]
    assert any(r[1] == "Testdorp Zuid" and r[2] == "1" for r in rows)


@pytest.mark.parametrize("width", [360, 1280], ids=["phone", "desktop"])
def test_police_officer_reads_the_zone_figures_in_french(browser, live_server, world, width):
    page = open_page(browser, width=width, locale="fr-BE")
    log_in_through_the_page(page, live_server, world.police.username, lang="fr")
    page.locator(".desk-nav a[href='/beheer/cijfers/']").click()
    page.wait_for_url(f"**/beheer/cijfers/zone/{world.zone.pk}/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert_usable(page, "the zone's figures")
    table = page.locator("#fig-groups ~ .figure-pair table").inner_text()
    assert "Testdorp Zuid" in table and "< 5" in table and "6" in table
    assert "Grensstad" not in page.locator("main").inner_text()
