"""Targets big enough for a finger: on a 360 px phone, every button, every link that looks like a
button, and every radio button and checkbox is at least 44 × 44 CSS px (WCAG 2.5.5), on the
desk of the admin, the coordinator and the police officer, and on the residents' pages.

What counts as a target:

- a button: ``button``, ``input`` of type submit, button, reset, image or file (a file input is
  a button that opens the file chooser), and ``summary`` (a button that opens its details);
- a link that looks like a button: class ``button``, or a box of its own (a background colour or
  a border all round), such as the desk's navigation and the maps' zoom and drawing buttons;
- a radio button or checkbox with the labels that name it: a tap on a label selects, so the
  target is the bounding box of the input and its labels (one wrapping it, or one with ``for``).

What does not count: text links. One in a sentence is exempt under WCAG 2.5.8 (an inline target,
its height set by the line of text); one on a line of its own (a "back" link, a name heading a
card) is text the page reads, with the spacing 2.5.8 asks, and not a button. Nor does what
nobody can tap: a target without a box (hidden, or inside a closed ``[hidden]`` section), the
honeypot field, and the links of a map's attribution line (text in a sentence). Disclosures are
opened first: the buttons they hold count.

The desk is walked by its links from the overview, up to three pages of each kind, with data in
every status so that each kind of button shows (an open and a closed incident, a failed message
with its "send again", a group request to answer). The residents' pages are the home page, a
search result and the application form.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import resolve, reverse

from apps.web.tests.test_raw_values import fill_every_status
from testkit.browser import log_in, open_page, running_chromium
from testkit.world import build_world

pytestmark = pytest.mark.browser

MINIMUM = 44
WIDTH = 360
RESIDENTS_PAGES = (
    "/",
    "/zoeken/?postcode=3870&house_number=1",
    "/groepen/testdorp-noord/aanmelden/?postcode=3870&house_number=1&street=Noordstraat",
)
# Desk links that open a file, not a page.
# Views that answer a file, not a page (the browser would download it).
FILES = {
    "incidents:attachment_file",
    "staff:figures_csv",
    "staff:figures_xlsx",
    "staff:figures_pdf",
    "staff:meeting_ics",
    "staff:meeting_minutes_file",
    "staff:sign_photo",
}

# The page's targets (see above) smaller than the minimum either way, with their size.
SMALL_TARGETS = """minimum => {
  const visible = el => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== 'hidden' &&
      !el.closest('[hidden], .trap, .leaflet-control-attribution');
  };
  const hasBox = el => {
    const style = getComputedStyle(el);
    const coloured = !/^(transparent|rgba\\(.*, 0\\))$/.test(style.backgroundColor);
    const bordered = ['Top', 'Right', 'Bottom', 'Left'].every(
      side => parseFloat(style[`border${side}Width`]) > 0 && style[`border${side}Style`] !== 'none');
    return coloured || bordered;
  };
  const nameOf = el => {
    const label = el.labels && el.labels.length ? el.labels[0].innerText : el.innerText || el.value;
    return (label || el.getAttribute('aria-label') || el.title || '').trim().replace(/\\s+/g, ' ').slice(0, 50);
  };
  const kindOf = el => {
    const type = el.tagName === 'INPUT' ? `[type=${el.type}]` : '';
    const classes = typeof el.className === 'string' ? el.className.trim().split(/\\s+/).filter(Boolean) : [];
    return el.tagName.toLowerCase() + type + classes.map(c => '.' + c).join('');
  };
  const small = [];
  const measure = (el, boxes, kind) => {
    const width = Math.max(...boxes.map(b => b.right)) - Math.min(...boxes.map(b => b.left));
    const height = Math.max(...boxes.map(b => b.bottom)) - Math.min(...boxes.map(b => b.top));
    const round = n => Math.round(n * 10) / 10;
    if (width < minimum - 0.5 || height < minimum - 0.5) {
      small.push({kind: kind, name: nameOf(el), width: round(width), height: round(height)});
    }
  };
  const buttons = 'button, summary, input[type=submit], input[type=button], input[type=reset], ' +
    'input[type=image], input[type=file]';
  for (const el of document.querySelectorAll(buttons)) {
    if (visible(el)) measure(el, [el.getBoundingClientRect()], kindOf(el));
  }
  for (const el of document.querySelectorAll('a[href]')) {
    if (visible(el) && (el.classList.contains('button') || hasBox(el))) {
      measure(el, [el.getBoundingClientRect()], kindOf(el));
    }
  }
  for (const el of document.querySelectorAll('input[type=radio], input[type=checkbox]')) {
    if (!visible(el)) continue;
    const labels = Array.from(el.labels || []).filter(visible);
    measure(el, [el, ...labels].map(e => e.getBoundingClientRect()), kindOf(el) + ' with its label');
  }
  return small;
}"""

LINKS = "() => Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))"


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    world = build_world()
    fill_every_status(world, settings, tmp_path)
    return world


@pytest.fixture
def browser(live_server, world):
    # Without chromium: skipped on a developer's machine, failed in CI (testkit.services.need_chromium).
    with running_chromium() as browser:
        yield browser


def small_targets(page) -> list[str]:
    """The targets under the minimum on the page as it is, with every disclosure opened."""
    page.wait_for_load_state("load")
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    return [
        f"{t['kind']} “{t['name']}”: {t['width']} × {t['height']} px" for t in page.evaluate(SMALL_TARGETS, MINIMUM)
    ]


def walk_the_desk(page, live_server, per_kind: int = 3) -> dict[str, list[str]]:
    """Every desk page reachable by links from the overview (and the page of the language of
    messages that the desk links to), up to ``per_kind`` of each kind (by its URL's name), as
    path → its small targets."""
    found: dict[str, list[str]] = {}
    kinds: dict[str, int] = {}
    queue = ["/beheer/"]
    while queue:
        path = queue.pop(0)
        url = urlsplit(path)
        desk = url.path.startswith("/beheer/") or url.path == reverse("accounts:message_language")
        if path in found or not desk or url.path.endswith((".csv", ".json", ".xlsx", ".pdf", ".ics")):
            continue
        kind = resolve(url.path).view_name
        if kind in FILES or kinds.get(kind, 0) >= per_kind:
            continue
        kinds[kind] = kinds.get(kind, 0) + 1
        response = page.goto(live_server.url + path)
        if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        found[path] = small_targets(page)
        for href in page.evaluate(LINKS):
            link = urlsplit(urljoin(page.url, href))
            if link.netloc == urlsplit(live_server.url).netloc:
                queue.append(link.path + (f"?{link.query}" if link.query else ""))
    return found


def report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{path}: {target}" for path, targets in found.items() for target in targets)


@pytest.mark.parametrize("role", ["admin_a", "coordinator", "police"])
def test_desk_targets_are_big_enough_on_a_phone(browser, live_server, world, role):
    page = open_page(browser, width=WIDTH, locale="nl-BE")
    log_in(page, live_server, role)
    found = walk_the_desk(page, live_server)
    assert len(found) >= 10, sorted(found)  # the walk went through the desk, not only the overview
    small = {path: targets for path, targets in found.items() if targets}
    assert not small, f"targets under {MINIMUM} × {MINIMUM} px for {role}:\n" + report(small)
    assert page.errors == []


def test_residents_targets_are_big_enough_on_a_phone(browser, live_server, world):
    page = open_page(browser, width=WIDTH, locale="nl-BE")
    found = {}
    for path in RESIDENTS_PAGES:
        page.goto(live_server.url + path)
        found[path] = small_targets(page)
    small = {path: targets for path, targets in found.items() if targets}
    assert not small, f"targets under {MINIMUM} × {MINIMUM} px:\n" + report(small)
    assert page.errors == []
