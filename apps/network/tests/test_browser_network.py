"""The admins' network walked on a phone, in Dutch and in French: an admin finds the network in
the desk's menu, chooses to share their phone number, and another admin of the municipality
finds it in the directory. Pages only; axe-core clean and no sideways scroll at each step."""

from __future__ import annotations

import pytest

from testkit.browser import assert_usable, log_in, open_page, running_chromium
from testkit.world import build_world

pytestmark = pytest.mark.browser

LABELS = {
    "nl": {
        "menu": "Netwerk van beheerders",
        "choose": "Kies wat het netwerk van uw contactgegevens ziet",
        "phone": "mijn mobiele nummer",
        "save": "Opslaan",
    },
    "fr": {
        "menu": "Réseau des gestionnaires",
        "choose": "Choisissez ce que le réseau voit de vos coordonnées",
        "phone": "mon numéro de GSM",
        "save": "Enregistrer",
    },
}


@pytest.fixture
def world(transactional_db):
    return build_world()


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_an_admin_shares_their_phone_and_another_admin_finds_it(world, live_server, language):
    words = LABELS[language]
    with running_chromium() as browser:
        page = open_page(browser, locale=language)
        log_in(page, live_server, "admin_a")
        page.get_by_role("link", name=words["menu"]).click()
        page.wait_for_url("**/beheer/netwerk/")
        assert_usable(page, "the directory")
        page.get_by_role("link", name=words["choose"]).click()
        page.wait_for_url("**/beheer/netwerk/mijn-gegevens/")
        assert_usable(page, "the choice of contact details")
        page.get_by_label(words["phone"]).check()
        with page.expect_navigation():
            page.get_by_role("button", name=words["save"]).click()
        assert page.url.endswith("/beheer/netwerk/")
        assert_usable(page, "the directory after saving")

        other = open_page(browser, locale=language)
        log_in(other, live_server, "admin_b")
        other.goto(live_server.url + "/beheer/netwerk/")
        card = other.locator("li.card", has=other.locator("h2", has_text="Admin_A"))
        assert card.locator("a[href='tel:+32470000001']").count() == 1
        assert card.locator("a[href^='mailto:']").count() == 0
        assert_usable(other, "the directory seen by another admin")
