"""The import page keeps asking for the job's status after a failed answer (a server restarting, a
proxy's 503), so its progress does not stop where it was; it stops asking when the answer says the
job is not the reader's to see (404). Pages only, on a phone, axe-core clean."""

from __future__ import annotations

import json

import pytest

from testkit.browser import assert_usable, log_in, open_page, outside_the_browser_loop, running_chromium
from testkit.world import box, build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):
    return build_world()


def _upload(page, live_server, municipality: int, path) -> str:
    """Upload a sub-municipality file through the import page; the job page's address."""
    page.goto(f"{live_server.url}/beheer/gemeente/{municipality}/importeren/")
    page.select_option("#id_kind", "sub_municipalities")
    page.set_input_files("#id_file", str(path))
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "/beheer/importeren/" in page.url
    return page.url


def _boundaries(tmp_path):
    path = tmp_path / "deelgemeenten.geojson"
    feature = {"type": "Feature", "properties": {"naam": "Oosthoek"}, "geometry": box(5.33, 50.74, 5.35, 50.76)}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    return path


def test_after_a_failed_answer_the_page_asks_again_and_shows_the_job_done(world, live_server, tmp_path):
    from apps.areas.jobs import run_due_jobs

    answers: list[int] = []

    def first_one_fails(route):
        # The first status request meets a server that is restarting; the next ones reach it.
        if not answers:
            answers.append(503)
            route.fulfill(status=503, body="Service Unavailable")
        else:
            answers.append(0)
            route.continue_()

    with running_chromium() as browser:
        page = open_page(browser, locale="nl")
        log_in(page, live_server, "coordinator")
        job_page = _upload(page, live_server, world.testdorp.pk, _boundaries(tmp_path))
        # The job runs while the page is away (see test_browser_sub_municipalities.py for why).
        page.goto("about:blank")
        assert outside_the_browser_loop(lambda: run_due_jobs(limit=1)) == 1
        page.route("**/status.json", first_one_fails)
        done = lambda response: response.url.endswith("/status.json") and response.status == 200  # noqa: E731
        with page.expect_response(done, timeout=15_000):
            page.goto(job_page)
        assert answers[0] == 503 and len(answers) >= 2
        page.get_by_text("1 nieuw").first.wait_for()
        assert page.locator("#import-progress").get_attribute("value") == "100"
        # The routed 503 is the one failure the page met; nothing else failed.
        assert [e for e in page.errors if not e.startswith("503 ")] == []
        page.errors.clear()
        assert_usable(page, "the job page after a failed answer")


def test_a_job_that_is_not_the_readers_ends_the_asking(world, live_server, tmp_path):
    asked: list[str] = []

    def not_found(route):
        asked.append(route.request.url)
        route.fulfill(status=404, body="Not Found")

    with running_chromium() as browser:
        page = open_page(browser, locale="fr")
        log_in(page, live_server, "coordinator")
        page.route("**/status.json", not_found)
        with page.expect_response(lambda r: r.url.endswith("/status.json")):
            _upload(page, live_server, world.testdorp.pk, _boundaries(tmp_path))
        # Asked every second while the answers came; a 404 ends it. Four seconds would have seen
        # several more requests.
        page.wait_for_timeout(4000)
        assert len(asked) == 1
        page.errors.clear()
        assert_usable(page, "the job page after a 404")
