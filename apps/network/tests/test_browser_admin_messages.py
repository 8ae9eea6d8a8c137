"""A message to the admins' network walked on a phone: a coordinator (in French) writes to the
admins of one sub-municipality, an admin opens the acknowledgement link from the mailbox (in
Dutch) and confirms, and the coordinator sees it acknowledged. Pages only; axe-core clean and no
sideways scroll at each step."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from apps.areas.models import Area
from apps.municipalities.models import SubMunicipality
from apps.network.models import AdminMessageRecipient, NetworkSettings
from testkit.browser import assert_usable, log_in, open_page, outside_the_browser_loop, running_chromium
from testkit.world import build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):
    w = build_world()
    north = SubMunicipality.objects.create(municipality=w.testdorp, name="Noord")
    south = SubMunicipality.objects.create(municipality=w.testdorp, name="Zuid")
    Area.objects.filter(pk=w.group_a.area_id).update(sub_municipality=north)
    Area.objects.filter(pk=w.group_b.area_id).update(sub_municipality=south)
    NetworkSettings.objects.create(municipality=w.testdorp, admins_group_link="https://chat.whatsapp.com/ADMINS1")
    w.coordinator.language = "fr"
    w.coordinator.save(update_fields=["language"])
    w.co_admin_a.language = "nl"
    w.co_admin_a.save(update_fields=["language"])
    return w


def test_a_coordinator_writes_to_one_sub_municipality_and_sees_an_admin_acknowledge(world, live_server):
    with running_chromium() as browser:
        desk = open_page(browser, locale="fr-BE")
        log_in(desk, live_server, "coordinator")
        desk.locator("nav a[href='/beheer/netwerk/']").first.click()
        desk.wait_for_url("**/beheer/netwerk/")
        assert desk.locator("a[href='https://chat.whatsapp.com/ADMINS1']").count() == 1
        desk.locator("main a[href='/beheer/netwerk/berichten/']").click()
        desk.wait_for_url("**/beheer/netwerk/berichten/")
        assert_usable(desk, "the network's messages")
        desk.locator("main a[href='/beheer/netwerk/berichten/nieuw/']").click()
        desk.wait_for_url("**/beheer/netwerk/berichten/nieuw/")
        assert desk.evaluate("document.documentElement.lang") == "fr"
        assert_usable(desk, "the message form")
        desk.get_by_label("Noord").check()
        desk.locator("input[name=urgency][value=green]").check()
        desk.fill("#id_subject", "Réunion des gestionnaires")
        desk.fill("#id_text", "Mardi à 20 heures à la maison communale.")
        with desk.expect_navigation():
            desk.locator("main form.card button[type=submit]").click()
        assert "/beheer/netwerk/berichten/" in desk.url and "nieuw" not in desk.url
        assert_usable(desk, "the message's page with each admin")
        rows = desk.locator("main table tbody tr")
        assert rows.count() == 2  # the admin and the co-admin of the north; not the south's admin
        row = desk.locator("main table tbody tr", has_text="Co_Admin_A")
        before = row.locator("td.ack-state").inner_text()

        # The co-admin opens the link of the e-mail in the mailbox, in Dutch.
        admin = open_page(browser, locale="nl-BE")
        admin.goto(live_server.url + "/dev/mailbox/")
        admin.locator("tr", has=admin.locator("td:text-is('co_admin_a@example.org')")).first.locator("a").click()
        link = admin.locator("a[href*='/netwerkbericht/']").first.get_attribute("href")
        admin.goto(live_server.url + urlsplit(link).path)
        assert admin.evaluate("document.documentElement.lang") == "nl"
        assert_usable(admin, "the acknowledgement page")
        assert admin.locator("a[href='https://chat.whatsapp.com/ADMINS1']").count() == 1
        with admin.expect_navigation():
            admin.locator("main form button[type=submit]").click()
        assert_usable(admin, "the acknowledgement page after confirming")
        assert admin.locator("main form button[type=submit]").count() == 0

        def acknowledged():
            return AdminMessageRecipient.objects.get(user__username="co_admin_a").acknowledged_at

        assert outside_the_browser_loop(acknowledged) is not None

        desk.reload()
        assert_usable(desk, "the message's page after the acknowledgement")
        after = desk.locator("main table tbody tr", has_text="Co_Admin_A").locator("td.ack-state").inner_text()
        assert after != before
        other = desk.locator("main table tbody tr", has_text="Admin_A").filter(has_not_text="Co_Admin_A")
        assert other.locator("td.ack-state").inner_text() == before  # the other admin did not yet
