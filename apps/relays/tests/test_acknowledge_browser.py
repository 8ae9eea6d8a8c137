"""The relayed admin's journey in a real browser on a phone, through the pages only: the link in
the relay message opens the incident with its photo, the admin presses the button and sees that
the sender is told. In Dutch, and in French for an admin who reads French."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext, override

from apps.incidents import services as incidents
from apps.incidents.models import Incident
from apps.incidents.tests.helpers import jpeg_with_gps, report
from apps.messaging.models import OutgoingMessage
from apps.relays import services
from apps.relays.models import RelayRecipient
from testkit.browser import assert_usable, open_page, outside_the_browser_loop, running_chromium
from testkit.world import build_world

from .helpers import border_group

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    settings.BUURTWACHT_ATTACHMENT_DIR = tmp_path
    return build_world()


def relay_to_admin_b(world, language: str):
    world.admin_b.language = language
    world.admin_b.save()
    border_group(world)
    incident = report(world)
    incidents.add_attachment(
        actor=world.admin_a, incident=incident, upload=SimpleUploadedFile("IMG_0001.jpg", jpeg_with_gps())
    )
    return services.send(actor=world.admin_a, incident=incident, scope="radius", radius_m=2000)


@pytest.mark.parametrize(
    ("language", "locale", "page_language"),
    [("", "nl-BE", "nl"), ("fr", "fr-BE", "fr")],
    ids=["dutch", "french"],
)
def test_relayed_admin_opens_the_link_sees_the_photo_and_acknowledges(
    world, live_server, language, locale, page_language
):
    relay = relay_to_admin_b(world, language)
    with override(page_language):
        category = str(Incident.Category.SUSPICIOUS_VEHICLE.label)
        button = gettext("I posted it in my group")
        thanks = gettext("Thank you: the sender sees that you passed it on.")
    with running_chromium() as browser:
        page = open_page(browser, width=360, locale=locale)
        # The admin opens the link in the message they received.
        message = outside_the_browser_loop(lambda: OutgoingMessage.objects.get(topic="relay", user_id=world.admin_b.pk))
        assert message.language == page_language
        path = re.search(r"http://testserver(/doorgegeven/[^/\s]+/)", message.body).group(1)
        page.goto(live_server.url + path)
        assert page.locator("html").get_attribute("lang") == page_language
        main = page.locator("main")
        assert category in main.locator("h1").inner_text()
        text = main.inner_text()
        assert "Wagen rijdt traag door de straat" in text and "Noordstraat 1" in text and "Volkswagen" in text
        assert world.admin_a.display_name not in text  # never the reporter
        photo = main.locator(".relay-media img")
        photo.scroll_into_view_if_needed()
        page.wait_for_function("document.querySelector('.relay-media img').naturalWidth > 0")
        page.wait_for_selector("#incident-map.leaflet-container")
        assert_usable(page, "the relayed incident")
        recipient = outside_the_browser_loop(lambda: RelayRecipient.objects.get(relay=relay, user=world.admin_b))
        assert recipient.acknowledged_at is None  # opening the link acknowledges nothing

        # ... presses the button and sees that the sender is told.
        with page.expect_navigation():
            page.get_by_role("button", name=button).click()
        assert thanks in page.locator("main .notice[role=status]").inner_text()
        assert page.get_by_role("button", name=button).count() == 0
        assert_usable(page, "acknowledged")
        outside_the_browser_loop(recipient.refresh_from_db)
        assert recipient.acknowledged_at is not None
