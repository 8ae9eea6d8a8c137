"""The pages under the strict Content-Security-Policy in Chromium: the public pages, the application
form, the map, and the desk of each role. Any violation a page reports (the ``securitypolicyviolation``
event, or Chromium's "Refused to ..." message in the console) fails the test."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from apps.groups.models import Group
from testkit.browser import draw_rectangle, open_page, outside_the_browser_loop, running_chromium
from testkit.world import build_world

pytestmark = pytest.mark.browser

# Runs in every document before its own scripts (the policy does not apply to it).
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " blocked " + (event.blockedURI || "inline")
    + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


@pytest.fixture
def world(transactional_db):
    return build_world()


@pytest.fixture
def browser(live_server, world):
    with running_chromium() as browser:
        yield browser


def _session_of(user) -> str:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def page_for(browser, live_server, user=None):
    page = open_page(browser, width=360, locale="nl-BE")
    page.violations = []
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and page.violations.append(message.text),
    )
    if user is not None:
        session = outside_the_browser_loop(lambda: _session_of(user))
        page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    return page


def visit(page, url: str, then=None) -> list[str]:
    response = page.goto(url)
    assert response.status == 200, f"{url}: {response.status}"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    if then is not None:
        then(page)
    return [f"{url}: {v}" for v in page.evaluate("window.__cspViolations") + page.violations]


def walk(page, base: str, paths) -> list[str]:
    found = []
    for path in paths:
        then = None
        if isinstance(path, tuple):
            path, then = path
        found += visit(page, base + path, then)
        page.violations.clear()
    return found


def test_public_pages_and_the_map(browser, live_server, world):
    group = world.group_a
    page = page_for(browser, live_server)
    found = walk(
        page,
        live_server.url,
        [
            reverse("public:home"),
            reverse("public:search") + "?postcode=3870&house_number=1",
            reverse("public:group_detail", args=[group.slug]),
            reverse("public:apply", args=[group.slug]),
            reverse("public:start_group"),
            reverse("accounts:login"),
        ],
    )
    assert not found, "\n".join(found)


def test_the_admin_desk(browser, live_server, world):
    group = world.group_a
    page = page_for(browser, live_server, world.admin_a)
    found = walk(
        page,
        live_server.url,
        [
            reverse("staff:dashboard"),
            reverse("staff:group_detail", args=[group.pk]),
            reverse("staff:member_list", args=[group.pk]),
            reverse("staff:application_list"),
            reverse("incidents:create"),
        ],
    )
    assert not found, "\n".join(found)


def test_the_coordinator_desk_with_the_area_editor(browser, live_server, world):
    municipality = world.testdorp
    group_pk = outside_the_browser_loop(lambda: Group.objects.filter(municipality=municipality).first().pk)
    page = page_for(browser, live_server, world.coordinator)
    found = walk(
        page,
        live_server.url,
        [
            reverse("staff:dashboard"),
            reverse("staff:municipality_detail", args=[municipality.pk]),
            reverse("staff:coverage", args=[municipality.pk]),
            (reverse("staff:group_create", args=[municipality.pk]), draw_rectangle),
            reverse("staff:group_edit", args=[group_pk]),
            reverse("staff:house_rules_publish", args=[municipality.pk]),
            reverse("staff:message_list"),
            reverse("relays:broadcast"),
        ],
    )
    assert not found, "\n".join(found)


def test_the_police_and_operator_desks(browser, live_server, world):
    page = page_for(browser, live_server, world.police)
    found = walk(
        page,
        live_server.url,
        [reverse("staff:dashboard"), reverse("staff:police_overview"), reverse("relays:broadcast")],
    )
    page = page_for(browser, live_server, world.superuser)
    found += walk(page, live_server.url, [reverse("staff:national_coverage")])
    assert not found, "\n".join(found)


def test_a_violation_is_seen(browser, live_server, world):
    """The listener works: a script the policy blocks is reported."""
    page = page_for(browser, live_server)
    page.goto(live_server.url + reverse("public:home"))
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_function("window.__cspViolations.length > 0")
    assert "script-src" in page.evaluate("window.__cspViolations")[0]
