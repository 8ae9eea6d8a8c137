"""Launching Debian's chromium for the browser tests, the way this machine needs it."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from django.db import connections

from testkit.services import need_chromium

# No background connections: the machine has no network, and chromium would keep trying.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch(playwright):
    return playwright.chromium.launch(executable_path=need_chromium(), args=CHROMIUM_ARGS)


@contextmanager
def running_chromium() -> Iterator:
    """Playwright's sync API with chromium launched, closed again on the way out.

    While it runs, an event loop runs in this thread: Django refuses queries here, so a test
    reads the database through ``outside_the_browser_loop``.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            yield browser
        finally:
            browser.close()


def outside_the_browser_loop(function):
    """Run a test's database read while Playwright's loop runs in the test's thread, where
    Django refuses queries: in a thread of its own, whose connection is closed afterwards (left
    open, it would keep the test database from being dropped)."""

    def run():
        try:
            return function()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def open_page(browser, *, width: int = 360, height: int = 740, locale: str | None = None, **context_options):
    """A new page that collects what a person would notice as broken: script errors and
    responses of 400 or more (a missing style sheet, script or image), in ``page.errors``."""
    if locale:
        context_options["locale"] = locale
    page = browser.new_context(viewport={"width": width, "height": height}, **context_options).new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("response", lambda r: r.status >= 400 and page.errors.append(f"{r.status} {r.url}"))
    return page


def draw_rectangle(page, map_selector: str = ".map", field: str = "#id_geometry") -> dict:
    """Draw a rectangle in the middle of the map as a person does: press the editor's rectangle
    button, then press the mouse on one corner, drag to the opposite one and release. Return the
    GeoJSON the page put in the form field."""
    import json

    the_map = page.locator(map_selector)
    the_map.evaluate("element => element.scrollIntoView({block: 'center'})")  # all of it in sight
    the_map.locator(".leaflet-pm-icon-rectangle").click()
    box = the_map.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx - 120, cy - 80)
    page.mouse.down()
    page.mouse.move(cx, cy, steps=5)
    page.mouse.move(cx + 120, cy + 80, steps=5)
    page.mouse.up()
    page.wait_for_function(f"document.querySelector('{field}').value.length > 0")
    return json.loads(page.input_value(field))


def assert_usable(page, what: str = "") -> None:
    """What every page a person reaches must be: no sideways scroll at its width, no serious or
    critical axe-core violation (axe-core 4.12, from axe-playwright-python), no script error or
    failed request. ``what`` names the step in the failure message."""
    from axe_playwright_python.sync_playwright import Axe

    label = what or page.url
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"{label}: the page scrolls sideways ({width[0]} px wide in {width[1]} px)"
    results = Axe().run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{label}: axe-core finds\n" + "\n".join(bad)
    assert not page.errors, f"{label}: {page.errors}"


def log_in(page, live_server, username: str) -> None:
    """Log in on the login page as a staff member does, and land on the desk: the password, then
    for an account with an authenticator app its code (``enter_code``)."""
    from testkit.world import PASSWORD

    page.goto(live_server.url + "/account/inloggen/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    enter_code(page, username)
    page.wait_for_url(live_server.url + "/beheer/")


def enter_code(page, username: str) -> None:
    """After the password: when ``username`` has an authenticator app, wait for the code page and
    type the code the app shows now (one the device has not accepted before)."""
    import re

    from django_otp.plugins.otp_totp.models import TOTPDevice

    from testkit.second_factor import unused_code

    def code():
        device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
        return unused_code(device) if device else None

    token = outside_the_browser_loop(code)
    if token is None:
        return
    page.wait_for_url(re.compile(r"/account/inloggen/code/"))
    page.fill("#id_otp_token", token)
    page.click("main button[type=submit]")
