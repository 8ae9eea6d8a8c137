"""On a 360 px phone in Dutch, through the pages only: an admin records an incident just outside
the distance allowed around their group's area and is told so, then just inside; relays it red
and sees it wait for approval; the municipality's coordinator, in a browser of their own, finds it
on the desk and approves it, and it goes out."""

from __future__ import annotations

import re

import pytest
from django.utils.translation import override

from apps.incidents.models import Incident
from apps.messaging.models import OutgoingMessage
from apps.relays.models import Relay
from testkit.browser import assert_usable, log_in, open_page, outside_the_browser_loop, running_chromium
from testkit.world import build_world

pytestmark = pytest.mark.browser

NORTH_EDGE_A = 50.76  # Testdorp Noord ends here; no area lies north of it
M_PER_DEG_LAT = 111_200


@pytest.fixture
def world(transactional_db):
    from apps.areas import neighbours

    world = build_world()
    neighbours.recompute()
    return world


def place_pin(page, metres_north: float) -> None:
    lat = f"{NORTH_EDGE_A + metres_north / M_PER_DEG_LAT:.6f}"
    page.evaluate(
        "([lat, lon]) => { document.querySelector('input[name=lat]').value = lat;"
        " document.querySelector('input[name=lon]').value = lon; }",
        [lat, "5.31"],
    )


def fill_the_report(page) -> None:
    page.check("#id_police_called")
    page.select_option("#id_category", "suspicious_vehicle")
    page.fill("#id_text", "Bestelwagen rijdt traag langs de opritten en stopt aan elk huis.")


def test_admin_relays_red_and_the_coordinator_approves_it(live_server, world):
    with override("nl"):
        held_label, approved_label = str(Relay.Status.HELD.label), str(Relay.Status.APPROVED.label)
    with running_chromium() as browser:
        admin = open_page(browser, width=360, locale="nl-BE")
        log_in(admin, live_server, world.admin_a.username)
        admin.goto(live_server.url + "/beheer/meldingen/nieuw/")

        # Just outside the 500 m around Testdorp Noord: refused, and told how far it is.
        fill_the_report(admin)
        place_pin(admin, 560)
        admin.locator("form.card button[type=submit].primary").click()
        admin.wait_for_load_state()
        summary = admin.locator(".error-summary").inner_text()
        assert re.search(r"\b56\d\b", summary) and "500" in summary, summary
        assert outside_the_browser_loop(lambda: not Incident.objects.exists())
        assert_usable(admin, "the place refused")

        # Just inside: recorded.
        fill_the_report(admin)
        place_pin(admin, 300)
        with admin.expect_navigation(url=re.compile(r"/beheer/meldingen/\d+/$")):
            admin.locator("form.card button[type=submit].primary").click()
        incident = outside_the_browser_loop(Incident.objects.get)
        assert incident.area_id is None and incident.group_id == world.group_a.pk
        assert_usable(admin, "the incident recorded")

        # Relay it red: it waits, nothing is sent.
        admin.goto(f"{live_server.url}/beheer/doorgeven/melding/{incident.pk}/?scope=radius&radius_m=2000")
        admin.check("input[name=urgency][value=red]")
        assert_usable(admin, "the relay's recipients")
        with admin.expect_navigation(url=re.compile(r"/beheer/doorgeven/\d+/$")):
            admin.locator("form[action$='/versturen/'] button[type=submit]").click()
        assert admin.locator("#relay-status").inner_text() == held_label
        assert_usable(admin, "the relay waiting")
        relay = outside_the_browser_loop(Relay.objects.get)
        assert relay.status == Relay.Status.HELD
        assert outside_the_browser_loop(lambda: not OutgoingMessage.objects.filter(topic="relay").exists())

        # The coordinator, in a browser of their own, approves it from the desk.
        coordinator = open_page(browser, width=360, locale="nl-BE")
        log_in(coordinator, live_server, world.coordinator.username)
        assert_usable(coordinator, "the coordinator's desk")
        coordinator.locator(f"#held-relays ~ ul a[href$='/doorgeven/{relay.pk}/']").click()
        coordinator.wait_for_url(re.compile(rf"/beheer/doorgeven/{relay.pk}/$"))
        assert_usable(coordinator, "the relay to decide on")
        with coordinator.expect_navigation(url=re.compile(rf"/beheer/doorgeven/{relay.pk}/$")):
            coordinator.locator("button[name=decision][value=approve]").click()
        assert coordinator.locator("#relay-status").inner_text() == approved_label
        assert_usable(coordinator, "the relay approved")

        # The admin sees it went out.
        admin.reload()
        assert admin.locator("#relay-status").inner_text() == approved_label
        assert_usable(admin, "the relay approved, as the admin sees it")
        assert admin.errors == [] and coordinator.errors == []

    relay = outside_the_browser_loop(lambda: Relay.objects.get())
    assert relay.status == Relay.Status.APPROVED and relay.decided_by_id == world.coordinator.pk
    assert outside_the_browser_loop(
        lambda: set(
            OutgoingMessage.objects.filter(topic="relay", user_id__isnull=False).values_list("urgency", flat=True)
        )
    ) == {"red"}
