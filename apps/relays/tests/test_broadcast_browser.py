"""The broadcast page in a real browser: drawing the area on the map and sending to it."""

from __future__ import annotations

import pytest

from testkit.browser import draw_rectangle, enter_code, open_page, outside_the_browser_loop, running_chromium
from testkit.world import PASSWORD, build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_page(live_server, transactional_db):
    world = build_world()
    with running_chromium() as browser:
        yield world, open_page(browser, locale="en")


def test_coordinator_draws_an_area_and_sends_to_its_admins(browser_page, live_server):
    world, page = browser_page
    page.set_viewport_size({"width": 1280, "height": 1000})
    page.goto(live_server.url + "/account/inloggen/")
    page.fill("#id_username", "coordinator")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    enter_code(page, "coordinator")
    page.wait_for_url(live_server.url + "/beheer/")
    page.goto(live_server.url + "/beheer/doorgeven/bericht/")
    page.wait_for_selector(".map.leaflet-container")
    # The two groups of Testdorp (the coordinator's reach) are shown for context.
    assert page.locator(".map path.leaflet-interactive").count() == 2
    page.check("input[name=urgency][value=green]")
    geometry = draw_rectangle(page)
    assert geometry["type"] == "Polygon" and len(geometry["coordinates"][0]) == 5
    page.fill("#id_subject", "Inbraken")
    page.fill("#id_text", "Sluit ramen en deuren.")
    page.click("button[type=submit].primary")  # first the counts
    page.wait_for_selector("#preview")
    # Every admin of both groups: admin and co-admin of A, admin of B.
    assert "3 group admins" in page.inner_text("#preview")
    page.click("button[type=submit].primary")  # then "Send now"
    page.wait_for_selector("#sent")
    from apps.relays.models import Broadcast

    broadcast = outside_the_browser_loop(lambda: Broadcast.objects.prefetch_related("recipients").get())
    assert broadcast.scope == Broadcast.Scope.AREA
    admins = {world.admin_a.pk, world.co_admin_a.pk, world.admin_b.pk}
    assert {r.user_id for r in broadcast.recipients.all()} == admins
    assert page.errors == []
