"""Helpers of the journey tests: a person's whole day through the pages of a phone, as they see
them. Logging in through the login page, and checking that what they must read is in sight."""

from __future__ import annotations

import re

from testkit.browser import assert_usable, enter_code
from testkit.world import PASSWORD

# What is wrong with how an element shows: no size, outside the viewport's width, cut off by a
# scrolled or clipped box around it (a table scrolled sideways), or its own text overflowing.
_OUT_OF_SIGHT = """
element => {
  const box = element.getBoundingClientRect();
  const problems = [];
  if (box.width === 0 || box.height === 0) problems.push("it has no size");
  if (box.left < -0.5 || box.right > window.innerWidth + 0.5)
    problems.push(`it spans ${Math.round(box.left)}–${Math.round(box.right)} px of ${window.innerWidth}`);
  for (let outer = element.parentElement; outer && outer !== document.body; outer = outer.parentElement) {
    if (getComputedStyle(outer).overflowX === "visible") continue;
    const around = outer.getBoundingClientRect();
    if (box.left < around.left - 0.5 || box.right > around.right + 0.5)
      problems.push(`it is cut off by <${outer.tagName.toLowerCase()} class="${outer.className}">`);
  }
  if (getComputedStyle(element).display !== "inline" && element.scrollWidth > element.clientWidth + 1)
    problems.push("its text runs out of its box");
  return problems;
}
"""


def assert_in_sight(locator, what: str) -> None:
    """``locator`` (one element) is shown whole within the phone's width: readable without
    scrolling sideways, neither the page nor a box around it."""
    assert locator.count() == 1, f"{what}: {locator.count()} elements instead of one"
    # Not scrolled into view: that would scroll a table sideways to it, which is the very thing
    # a person should not need to do. Only the width counts; scrolling down is fine.
    assert locator.is_visible(), f"{what}: not visible"
    problems = locator.evaluate(_OUT_OF_SIGHT)
    assert not problems, f"{what}: " + "; ".join(problems)


def log_in_through_the_page(page, live_server, username: str, *, lang: str = "nl") -> None:
    """The person opens the desk, is sent to the login page, logs in and lands on the desk. The
    login page and the desk pass ``assert_usable``."""
    page.goto(live_server.url + "/beheer/")
    page.wait_for_url(re.compile(r"/account/inloggen/"))
    assert page.locator("html").get_attribute("lang") == lang
    assert_usable(page, "the login page")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    enter_code(page, username)  # coordinators and police: the code of their authenticator app
    page.wait_for_url(re.compile(r"/beheer/$"))
    assert_usable(page, "the desk after logging in")
