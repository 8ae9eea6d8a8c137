"""Large text on a small phone: with the text at twice its size, the search result, the
application form and the applicant's status page still fit 360 px, in Dutch and in French.

How the text is doubled. A phone's "large text" makes the browser's own text size larger; it
does not zoom the page, so the page keeps its width in CSS pixels (360) and only the text grows.
In Chromium that is the default font size, which CDP sets with ``Page.setFontSizes`` (what
chrome://settings/fonts changes): 16 px becomes 32 px, and every size the style sheets give in
rem, em or % follows it, as do media queries in em. The other knobs are no text size:
``Emulation.setDeviceMetricsOverride``'s ``deviceScaleFactor`` and ``--force-device-scale-factor``
only change how many device pixels a CSS pixel has (the layout and the text stay as they are),
and a page zoom of 200 % shrinks the viewport to 180 CSS px and doubles boxes and borders too.

A size in px would not follow the default font size, while a phone's text scaling enlarges it
too: so the test first proves that the doubling reached every piece of text, measuring each
element with text at the normal size and again with the doubled setting. Then, on each page: no
sideways scroll, no text cut off by a box that hides what overflows it or pushed past the side
of the screen, and ``assert_usable`` (axe-core, script errors, failed requests).
"""

from __future__ import annotations

import re

import pytest

from apps.messaging.models import OutgoingMessage
from testkit.browser import assert_usable, open_page, outside_the_browser_loop, running_chromium
from testkit.world import build_world

pytestmark = pytest.mark.browser

WIDTH = 360
# Chromium's defaults are 16 px (standard) and 13 px (fixed, monospace): twice those.
DOUBLED = {"standard": 32, "fixed": 26}
SEARCH = "/zoeken/?postcode=3870&house_number=1"

# Each element that shows text of its own (a text node, or a form control), with its computed
# font size, keyed by its place in the document. Maps are left out: Leaflet draws them after the
# page has loaded, and they pan and clip by design.
FONT_SIZES = """() => {
  const place = el => {
    const steps = [];
    for (let node = el; node.parentElement; node = node.parentElement) {
      steps.unshift(node.tagName + ':' + Array.prototype.indexOf.call(node.parentElement.children, node));
    }
    return steps.join('/');
  };
  const sizes = {};
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.leaflet-container, script, style, template')) continue;
    const ownText = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!ownText && !el.matches('input:not([type=hidden]), select, textarea, button')) continue;
    const text = (el.textContent || el.value || '').trim().slice(0, 40);
    sizes[place(el)] = {size: parseFloat(getComputedStyle(el).fontSize), text: text};
  }
  return sizes;
}"""

# Text a person cannot read whole: cut by an element that hides what overflows it (overflow
# hidden or clip, or an ellipsis; form controls clip their value), or running past the side of
# the screen. Left out: what is hidden on purpose for all but screen readers (a 1 px box, a clip
# rectangle, far off the screen, like the skip link) and maps.
CLIPPED = """() => {
  const width = window.innerWidth;
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const hiddenOnPurpose = el => {
    for (let node = el; node; node = node.parentElement) {
      const style = getComputedStyle(node);
      const box = node.getBoundingClientRect();
      if (style.display === 'none' || style.visibility === 'hidden' || box.width <= 1 || box.height <= 1) return true;
      if ((style.clip && style.clip !== 'auto') || box.right <= 0 || box.left >= width) return true;
    }
    return false;
  };
  const hides = value => value === 'hidden' || value === 'clip';
  const problems = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.leaflet-container, script, style, template') || hiddenOnPurpose(el)) continue;
    const text = (el.innerText || el.value || '').trim();
    if (!text) continue;
    const style = getComputedStyle(el);
    const cutX = (hides(style.overflowX) || style.textOverflow === 'ellipsis') && el.scrollWidth > el.clientWidth + 1;
    const cutY = hides(style.overflowY) && el.scrollHeight > el.clientHeight + 1;
    if (cutX || cutY) {
      problems.push(`${name(el)} cuts its text ("${text.slice(0, 40)}"): ` +
        `${el.scrollWidth} × ${el.scrollHeight} px in ${el.clientWidth} × ${el.clientHeight}`);
    }
    const box = el.getBoundingClientRect();
    const ownText = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (ownText && (box.left < -1 || box.right > width + 1)) {
      problems.push(`${name(el)} ("${text.slice(0, 40)}") runs off the screen: ` +
        `${Math.round(box.left)} to ${Math.round(box.right)} px`);
    }
  }
  return problems;
}"""


@pytest.fixture
def world(transactional_db):
    return build_world()


@pytest.fixture
def browser(live_server, world):
    # Without chromium: skipped on a developer's machine, failed in CI (testkit.services.need_chromium).
    with running_chromium() as browser:
        yield browser


def double_the_text(page) -> None:
    """The phone's "large text" at 200 %: the browser's default font size doubled (see above).
    The setting holds for the page's later visits."""
    session = page.context.new_cdp_session(page)
    session.send("Page.enable")
    session.send("Page.setFontSizes", {"fontSizes": DOUBLED})


def assert_text_is_doubled(normal, large, what: str) -> None:
    """Every piece of text on the large page twice its size on the normal one (the same address,
    half a pixel for rounding)."""
    sizes = [page.evaluate(FONT_SIZES) for page in (normal, large)]
    assert sizes[0].keys() == sizes[1].keys(), f"{what}: the page changed between the two visits"
    small = [
        f"{place.split('/')[-1]} “{before['text']}”: {before['size']} → {sizes[1][place]['size']} px"
        for place, before in sizes[0].items()
        if sizes[1][place]["size"] < 2 * before["size"] - 0.5
    ]
    assert small == [], f"{what}: text that does not grow with the text size (a size in px?):\n" + "\n".join(small)


def assert_fits(page, what: str) -> None:
    """No sideways scroll, no text cut off, and usable as every page must be."""
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] == WIDTH, f"{what}: scrolls sideways at 200 % ({width[0]} px in {width[1]})"
    problems = page.evaluate(CLIPPED)
    assert problems == [], f"{what}: text cut off at 200 %:\n" + "\n".join(problems)
    assert_usable(page, f"{what} at 200 %")


@pytest.mark.parametrize(
    ("locale", "language", "phone"), [("nl-BE", "nl", "0470 98 76 51"), ("fr-BE", "fr", "0470 98 76 52")]
)
def test_search_result_form_and_status_page_at_twice_the_text_size(browser, live_server, locale, language, phone):
    normal = open_page(browser, width=WIDTH, locale=locale)
    large = open_page(browser, width=WIDTH, locale=locale)
    double_the_text(large)

    # The search result for an address in a group's area.
    for page in (normal, large):
        page.goto(live_server.url + SEARCH)
    assert large.locator("html").get_attribute("lang") == language
    assert "Testdorp Noord" in large.locator("main").inner_text()
    assert_text_is_doubled(normal, large, "search result")
    assert_fits(large, "search result")

    # The application form, from the result's button.
    large.locator("a[href*='/groepen/testdorp-noord/aanmelden/']").first.click()
    large.wait_for_url(re.compile(r"/aanmelden/"))
    assert large.input_value("input[name=street]") == "Noordstraat"  # carried over from the search
    normal.goto(large.url)
    assert_text_is_doubled(normal, large, "application form")
    assert_fits(large, "application form")

    # Applying at that size; then the status page, from the link in the e-mail.
    email = f"marie.{language}@example.org"
    large.fill("input[name=full_name]", "Marie-Josée Vandenbroucke-Dewaele")
    large.fill("input[name=birth_date]", "1948-11-02")
    large.fill("input[name=phone]", phone)
    large.fill("input[name=email]", email)
    large.check("input[name=accept_house_rules]")
    large.locator("form.apply-form button[type=submit]").click()
    large.wait_for_url(re.compile(r"/aanmelding/verstuurd/"))
    mail = outside_the_browser_loop(lambda: OutgoingMessage.objects.get(topic="application.confirm", recipient=email))
    status_path = re.search(r"http://testserver(/aanmelding/(?!bevestigen/)[A-Za-z0-9_-]{20,}/)", mail.body).group(1)
    for page in (normal, large):
        page.goto(live_server.url + status_path)
    assert "Marie-Josée Vandenbroucke-Dewaele" in large.locator("main").inner_text()
    assert_text_is_doubled(normal, large, "status page")
    assert_fits(large, "status page")
