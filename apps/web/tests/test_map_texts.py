"""Leaflet's own controls speak the page's language, on the residents' map and on the desk's."""

from __future__ import annotations

import pytest

from testkit.browser import open_page, running_chromium
from testkit.world import PASSWORD, build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):
    return build_world()


@pytest.mark.parametrize(
    ("language", "zoom_in", "zoom_out"), [("nl", "Inzoomen", "Uitzoomen"), ("fr", "Zoom avant", "Zoom arrière")]
)
def test_zoom_buttons_are_named_in_the_page_language(live_server, world, language, zoom_in, zoom_out):
    with running_chromium() as browser:
        page = open_page(browser)
        page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        page.goto(live_server.url + "/")
        page.wait_for_selector(".leaflet-control-zoom-in")
        assert page.get_attribute(".leaflet-control-zoom-in", "title") == zoom_in
        assert page.get_attribute(".leaflet-control-zoom-out", "title") == zoom_out

        page.goto(live_server.url + "/account/inloggen/")
        page.fill("input[name=username]", "admin_a")
        page.fill("input[name=password]", PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.goto(live_server.url + f"/beheer/groepen/{world.group_a.pk}/")
        page.wait_for_selector(".leaflet-control-zoom-in")
        assert page.get_attribute(".leaflet-control-zoom-in", "title") == zoom_in
        assert not page.errors
