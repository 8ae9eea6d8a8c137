"""A coordinator brings the municipality's sub-municipalities in from a boundary file through the
upload page, on a phone, in Dutch and in French, and finds the coverage per sub-municipality
computed from them: pages only, axe-core clean at every step."""

from __future__ import annotations

import json

import pytest

from testkit.browser import assert_usable, log_in, open_page, outside_the_browser_loop, running_chromium
from testkit.world import box, build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):
    return build_world()


@pytest.mark.parametrize(
    ("language", "created", "covered", "not_covered"),
    [("nl", "2 nieuw", "gedekt", "niet gedekt"), ("fr", "2 nouvelles", "couverte", "non couverte")],
)
def test_the_coordinator_uploads_sub_municipalities_and_sees_their_coverage(
    world, live_server, tmp_path, language, created, covered, not_covered
):
    from apps.areas.jobs import run_due_jobs
    from apps.municipalities.models import SubMunicipality

    # Testdorp's groups cover 5.30–5.32 E, 50.74–50.76 N; the second sub-municipality lies east of them.
    path = tmp_path / "deelgemeenten.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"naam": "Testdorp-Centrum"},
                        "geometry": box(5.30, 50.74, 5.32, 50.76),
                    },
                    {"type": "Feature", "properties": {"naam": "Oosthoek"}, "geometry": box(5.33, 50.74, 5.35, 50.76)},
                ],
            }
        )
    )
    municipality = world.testdorp.pk
    with running_chromium() as browser:
        page = open_page(browser, locale=language)
        log_in(page, live_server, "coordinator")
        page.goto(f"{live_server.url}/beheer/gemeente/{municipality}/importeren/")
        assert_usable(page, "the upload page")
        page.select_option("#id_kind", "sub_municipalities")
        page.set_input_files("#id_file", str(path))
        with page.expect_navigation():
            page.click("main button[type=submit]")
        assert "/beheer/importeren/" in page.url
        assert_usable(page, "the job page, queued")
        # The job runs here, in the test's thread, while nothing asks for its status: in the
        # in-memory test database (one cache shared by every connection) a read at the moment of
        # a write is refused at once ("table is locked"), which the file database in WAL mode of
        # a real server never does. apps/staff/tests/test_browser_import_progress.py has the page
        # asking again after a failed answer.
        job_page = page.url
        page.goto("about:blank")
        assert outside_the_browser_loop(lambda: run_due_jobs(limit=1)) == 1
        page.goto(job_page)
        page.get_by_text(created).first.wait_for()
        assert_usable(page, "the job page, done")
        page.goto(f"{live_server.url}/beheer/gemeente/{municipality}/dekking/")
        rows = {
            page.locator("tr", has=page.locator("th", has_text=name)).first.inner_text().split("\t")[1].strip()
            for name in ("Testdorp-Centrum",)
        }
        assert rows == {covered}
        oost = page.locator("tr", has=page.locator("th", has_text="Oosthoek")).first.inner_text()
        assert not_covered in oost
        assert_usable(page, "the coverage page")
    assert outside_the_browser_loop(lambda: sorted(SubMunicipality.objects.values_list("name", flat=True))) == [
        "Oosthoek",
        "Testdorp-Centrum",
    ]
