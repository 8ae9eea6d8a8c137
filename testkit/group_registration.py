"""Browser steps of bringing an existing WhatsApp group in, each as a person does it through the
pages, to be chained with later steps (the member import, the first confirmed member):

1. ``register_existing_group``: its admin registers the group from the home page, drawing the
   area by tapping corners on the map (phone width).
2. ``coordinator_accepts``: the municipality's coordinator opens the registration, reads the
   overlaps with existing groups and accepts it.
3. ``new_admin_sets_password``: the new admin opens the e-mail in the mailbox (``/dev/mailbox/``),
   chooses a password through its link, logs in and lands on the desk with their group.

Every step checks each page it reaches with ``assert_usable``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from testkit.browser import assert_usable, log_in, open_page
from testkit.world import PASSWORD

# Corners tapped on the map, in pixels from the map's centre: a box east of the centre of the
# chosen municipality's areas, across the middle.
CORNERS = ((10, -40), (60, -40), (60, 40), (10, 40))


@dataclass
class Registrant:
    municipality: str
    group_name: str
    full_name: str
    email: str
    phone: str
    size: str = "45"
    since: str = "2019-04-01"


def register_existing_group(browser, live_server, registrant: Registrant, *, locale: str = "nl-BE", corners=CORNERS):
    """Register the group at 360 px from the home page's link; return the page, on the thank-you
    page, and the GeoJSON the map wrote into the form."""
    import json

    page = open_page(browser, width=360, locale=locale)
    page.goto(live_server.url + "/")
    page.locator("a[href='/groep-aanmelden/']").first.click()
    page.wait_for_url(live_server.url + "/groep-aanmelden/")
    assert_usable(page, "the registration form")
    page.select_option("#id_municipality", label=registrant.municipality)
    page.fill("#id_group_name", registrant.group_name)
    page.fill("#id_approximate_size", registrant.size)
    page.fill("#id_running_since", registrant.since)
    the_map = page.locator("#registration-map")
    the_map.evaluate("element => element.scrollIntoView({block: 'center'})")
    box = the_map.bounding_box()
    for dx, dy in corners:
        the_map.click(position={"x": box["width"] / 2 + dx, "y": box["height"] / 2 + dy})
    page.wait_for_function("document.querySelector('#id_geometry').value.includes('Polygon')")
    drawn = json.loads(page.input_value("#id_geometry"))
    assert_usable(page, "the registration form with the area drawn")
    page.fill("#id_full_name", registrant.full_name)
    page.fill("#id_email", registrant.email)
    page.fill("#id_phone", registrant.phone)
    page.check("#id_accepts_house_rules")
    with page.expect_navigation(url=re.compile(r"/groep-aanmelden/verstuurd/$")):
        page.locator("form.registration-form button.primary[type=submit]").click()
    assert registrant.email in page.inner_text("main")
    assert_usable(page, "the registration's thank-you page")
    return page, drawn


def coordinator_accepts(browser, live_server, username: str, group_name: str, *, overlapping=(), locale="fr-BE"):
    """The coordinator (desktop width) opens the registration from the desk's list, sees the
    groups it overlaps (``overlapping``: their names) and accepts. Returns the page."""
    page = open_page(browser, width=1280, height=900, locale=locale)
    log_in(page, live_server, username)
    page.goto(live_server.url + "/beheer/groepsaanmeldingen/")
    assert_usable(page, "the list of registered groups")
    page.get_by_role("link", name=group_name).click()
    page.wait_for_url(re.compile(r"/beheer/groepsaanmeldingen/\d+/$"))
    table = page.locator("table.overlap-table")
    for name in overlapping:
        row = table.locator("tbody tr", has_text=name)
        assert row.count() == 1, f"{name} is not among the overlaps"
        assert re.search(r"\d+(?:[.,]\d)? %", row.inner_text())
    if not overlapping:
        assert page.locator("#no-overlap").is_visible()
    assert_usable(page, "a registration on the desk")
    page.check("input[name=decision][value=accept]")
    with page.expect_navigation():
        page.locator("form:has(input[name=action][value=decide]) button[type=submit]").click()
    assert page.locator(".badge.status-accepted").is_visible()
    assert_usable(page, "the accepted registration")
    return page


def new_admin_sets_password(browser, live_server, email: str, group_name: str, *, locale: str = "nl-BE"):
    """The new admin reads the acceptance in the mailbox, chooses a password through its link,
    logs in and sees their group on the desk (360 px). Returns the page."""
    page = open_page(browser, width=360, locale=locale)
    page.goto(live_server.url + "/dev/mailbox/")
    page.locator("tr", has=page.locator(f"td:text-is('{email}')")).first.locator("a").click()
    link = page.locator("a[href*='/account/wachtwoord/']").first.get_attribute("href")
    page.goto(live_server.url + urlsplit(link).path)
    page.wait_for_selector("#id_new_password1")
    assert_usable(page, "choosing the password")
    username = page.locator("input[name=username]").get_attribute("value")
    page.fill("#id_new_password1", PASSWORD)
    page.fill("#id_new_password2", PASSWORD)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    log_in(page, live_server, username)
    assert group_name in page.inner_text("main")
    assert_usable(page, "the new admin's desk")
    return page
