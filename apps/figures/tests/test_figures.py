"""The figures of a municipality and a police zone: what is counted, the period's rules, who may
read them, small-number suppression, and the same numbers on the dashboard, in the downloads,
in the API and on the coverage page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import subprocess
import sys
import tracemalloc

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from apps.api.tests.utils import bearer
from apps.applications.models import Application
from apps.audit.models import AuditEvent
from apps.figures import exports
from apps.figures.period import Period, read_period
from apps.figures.services import Scope, compute
from apps.figures.suppression import SUPPRESSED
from apps.incidents.models import Incident
from apps.municipalities.models import Municipality, SubMunicipality
from apps.signs.models import StreetSign
from testkit.world import add_member, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def dashboard(kind: str, pk: int) -> str:
    return reverse("staff:figures_dashboard", kwargs={"kind": kind, "pk": pk})


def download(name: str, kind: str, pk: int) -> str:
    return reverse(f"staff:figures_{name}", kwargs={"kind": kind, "pk": pk})


def api_url(world, kind: str = "municipality") -> str:
    if kind == "zone":
        return f"/api/v1/police-zones/{world.zone.pk}/figures"
    return f"/api/v1/municipalities/{world.testdorp.pk}/figures"


def state() -> tuple:
    """What a read must never change."""
    return (
        AuditEvent.objects.count(),
        Application.objects.count(),
        Incident.objects.count(),
        list(Municipality.objects.values_list("pk", "name")),
    )


@pytest.fixture
def filled(world):
    """Group A with 7 members (one left last month), group B with 3; incidents, a sign."""
    now = timezone.now()
    for n in range(7):
        add_member(world.group_a, 100 + n, joined_at=now - dt.timedelta(days=40))
    for n in range(3):
        add_member(world.group_b, 200 + n, joined_at=now - dt.timedelta(days=40), street="Zuidstraat")
    gone = add_member(world.group_a, 300, joined_at=now - dt.timedelta(days=300))
    gone.left_at = now - dt.timedelta(days=20)
    gone.leave_reason = "left"
    gone.save()
    for category in ("burglary", "burglary", "theft"):
        Incident.objects.create(
            municipality=world.testdorp,
            area=world.group_a.area,
            group=world.group_a,
            category=category,
            occurred_at=now - dt.timedelta(days=10),
            lat=50.755,
            lon=5.31,
            text="Iets gezien.",
        )
    StreetSign.objects.create(
        municipality=world.testdorp,
        group=world.group_a,
        road="Steenweg",
        lat=50.755,
        lon=5.31,
        placed_on=dt.date(2020, 5, 1),
        state=StreetSign.State.PLACED,
    )
    StreetSign.objects.create(
        municipality=world.testdorp,
        road="Vorige maand",
        lat=50.75,
        lon=5.31,
        placed_on=timezone.localdate() - dt.timedelta(days=30),
        state=StreetSign.State.DAMAGED,
    )
    StreetSign.objects.create(municipality=world.testdorp, road="Nog niet", lat=50.75, lon=5.31)
    return world


def test_the_figures_count_groups_members_incidents_and_signs(filled):
    world = filled
    f = compute(Scope.of_municipality(world.testdorp), Period.default(), exact=True)
    assert (f.active_groups, f.members) == (2, 10)
    assert [(g.name, g.members) for g in f.groups] == [("Testdorp Noord", 7), ("Testdorp Zuid", 3)]
    assert (f.largest.name, f.smallest.name) == ("Testdorp Noord", "Testdorp Zuid")
    assert f.joined == 11 and f.left == 1  # the one who left joined 300 days ago
    assert f.incidents == 3 and dict(f.incidents_by_category) == {"burglary": 2, "theft": 1}
    assert f.signs_placed == 2 and f.signs_placed_in_period == 1
    assert dict(f.signs_by_state) == {
        "requested": 1,
        "approved": 0,
        "declined": 0,
        "placed": 1,
        "damaged": 1,
        "removed": 0,
    }
    assert len(f.months) in (12, 13) and sum(m.incidents for m in f.months) == 3
    assert f.sentence().startswith("2 active groups, 10 members, the largest group Testdorp Noord with 7 members")


def test_police_see_small_counts_suppressed_and_coordinators_exact(client, filled):
    world = filled
    client.force_login(world.coordinator)
    page = client.get(dashboard("gemeente", world.testdorp.pk)).content.decode()
    assert "Testdorp Zuid</th><td>3</td>" in page and "&lt; 5" not in page
    client.force_login(world.police)
    for kind, pk in (("gemeente", world.testdorp.pk), ("zone", world.zone.pk)):
        response = client.get(dashboard(kind, pk))
        assert response.status_code == 200
        page = response.content.decode()
        assert "Testdorp Zuid</th><td>&lt; 5</td>" in page and "Testdorp Noord</th><td>7</td>" in page
        assert "Counts of fewer than 5 people are shown as" in page
        f = response.context["figures"]
        assert f.left == SUPPRESSED and f.members == 10 and f.incidents == 3  # incidents are no people
    body = client.get(download("csv", "zone", world.zone.pk), {"from": "2026-01-01", "to": "2026-12-31"})
    rows = list(csv.reader(io.StringIO(b"".join(body.streaming_content).decode("utf-8-sig")), delimiter=";"))
    assert ["Members per group", "Testdorp Zuid", "< 5"] in rows
    police_api = client.get(api_url(world, "zone"), headers=bearer(world.police)).json()
    assert (
        police_api["exact"] is False
        and {"name": "Testdorp Zuid", "municipality": "Testdorp", "members": "< 5"} in (police_api["groups"])
    )
    coordinator_api = client.get(api_url(world), headers=bearer(world.coordinator)).json()
    assert coordinator_api["exact"] is True and coordinator_api["smallest_group"]["members"] == 3


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"from": "2015-01-01", "to": "2025-01-01"}, "to", "Choose a period of at most 5 years."),
        ({"from": "2020-12-31", "to": "2025-12-31"}, "to", "Choose a period of at most 5 years."),
        ({"from": "2025-06-01", "to": "2025-01-01"}, "to", "The end of the period lies before its start."),
        ({"from": "01-06-2025", "to": ""}, "from", "Enter a date as YYYY-MM-DD."),
        ({"from": "2025-02-30", "to": ""}, "from", "Enter a date as YYYY-MM-DD."),
        ({"from": "1999-01-01", "to": "2000-06-01"}, "from", "Choose a date from 2000 on."),
    ],
)
def test_a_bad_period_is_refused_with_a_clear_message_everywhere(client, filled, params, field, message):
    world = filled
    before = state()
    client.force_login(world.coordinator)
    response = client.get(dashboard("gemeente", world.testdorp.pk), params)
    assert response.status_code == 400 and message in response.content.decode() and "figures" not in response.context
    for name in ("csv", "xlsx"):
        response = client.get(download(name, "gemeente", world.testdorp.pk), params)
        assert response.status_code == 400 and message in response.content.decode()
    response = client.get(api_url(world), params, headers=bearer(world.coordinator))
    assert response.status_code == 422 and response.json()["errors"] == {field: [message]}
    assert state() == before


def test_five_years_exactly_is_allowed_and_the_default_is_the_last_twelve_months():
    assert read_period({"from": "2021-01-01", "to": "2025-12-31"}) == Period(dt.date(2021, 1, 1), dt.date(2025, 12, 31))
    default = read_period({})
    assert default.end == timezone.localdate() and default.start == Period.default().start
    assert len(Period(dt.date(2025, 1, 15), dt.date(2025, 12, 31)).months) == 12


def test_a_municipality_without_groups_shows_zeros_and_empty_charts(client, world):
    empty = Municipality.objects.create(name="Leegdorp", slug="leegdorp", country="BE")
    SubMunicipality.objects.create(municipality=empty, name="Niemandsland")
    coordinator = make_user("leeg_coordinator")
    empty.coordinators.create(user=coordinator)
    client.force_login(coordinator)
    response = client.get(dashboard("gemeente", empty.pk))
    assert response.status_code == 200
    page = response.content.decode()
    f = response.context["figures"]
    assert (f.active_groups, f.members, f.covered, f.sub_municipality_total, f.incidents) == (0, 0, 0, 1, 0)
    assert f.largest is None and "0 active groups, 0 members, 0 of the 1 sub-municipalities" in page
    assert "Nothing to draw: every count is zero." in page and "Nothing to count in this period." in page
    assert client.get(download("csv", "gemeente", empty.pk)).status_code == 200
    assert client.get(download("pdf", "gemeente", empty.pk)).content.startswith(b"%PDF")


@pytest.mark.parametrize("who", ["coordinator_nl", "police_nl", "admin_a", "co_admin_a", "nobody"])
def test_other_roles_are_refused_and_nothing_changes(client, filled, who):
    world = filled
    before = state()
    client.force_login(getattr(world, who))
    for name in ("dashboard", "csv", "xlsx", "report", "pdf"):
        for kind, pk in (("gemeente", world.testdorp.pk), ("zone", world.zone.pk)):
            assert client.get(download(name, kind, pk)).status_code == 404, (who, name, kind)
    for kind in ("municipality", "zone"):
        assert client.get(api_url(world, kind), headers=bearer(getattr(world, who))).status_code == 404
    assert state()[1:] == before[1:]


def test_a_coordinator_cannot_read_the_zone_and_anonymous_is_sent_to_log_in(client, filled):
    world = filled
    client.force_login(world.coordinator)
    assert client.get(dashboard("zone", world.zone.pk)).status_code == 404
    assert client.get(dashboard("elders", world.testdorp.pk)).status_code == 404
    client.logout()
    for name in ("dashboard", "csv", "xlsx", "pdf"):
        response = client.get(download(name, "gemeente", world.testdorp.pk))
        assert response.status_code == 302 and "/account/inloggen/" in response["Location"]
    assert client.get(api_url(world)).status_code == 401


def test_the_same_figure_on_the_dashboard_the_api_the_downloads_and_the_coverage_page(client, filled):
    world = filled
    north = SubMunicipality.objects.create(
        municipality=world.testdorp, name="Noordhoek", geometry=world.group_a.area.geometry
    )
    SubMunicipality.objects.create(municipality=world.testdorp, name="Heide")
    assert north.pk
    client.force_login(world.coordinator)
    coverage = client.get(reverse("staff:coverage", args=[world.testdorp.pk]))
    sentence = coverage.context["coverage"].sentence()
    assert sentence == "2 groups, 10 members, 1 of 2 sub-municipalities covered, largest group 7"
    page = client.get(dashboard("gemeente", world.testdorp.pk))
    f = page.context["figures"]
    assert (f.active_groups, f.members, f.covered, f.sub_municipality_total, f.largest.members) == (2, 10, 1, 2, 7)
    assert "2 active groups, 10 members, 1 of the 2 sub-municipalities" in page.content.decode()
    api = client.get(api_url(world), headers=bearer(world.coordinator)).json()
    assert (api["active_groups"], api["members"], api["sub_municipalities_covered"]) == (2, 10, 1)
    assert (api["sub_municipalities_total"], api["largest_group"]["members"], api["summary"]) == (2, 7, f.sentence())
    body = client.get(download("xlsx", "gemeente", world.testdorp.pk))
    sheet = load_workbook(io.BytesIO(b"".join(body.streaming_content)), read_only=True).active
    cells = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    assert ("Active groups", None, 2) in cells and ("Sub-municipalities covered", None, 1) in cells


def test_before_and_after_counts_incidents_in_equal_windows_and_says_it_is_no_proof(client, world):
    now = timezone.now()
    started = now - dt.timedelta(days=100)
    type(world.group_a).objects.filter(pk=world.group_a.pk).update(created_at=started)
    for days in (250, 120, 99, 50):  # 250 lies outside the 100-day window before the start
        Incident.objects.create(
            municipality=world.testdorp,
            area=world.group_a.area,
            category="theft",
            occurred_at=now - dt.timedelta(days=days),
            text="x",
        )
    client.force_login(world.coordinator)
    response = client.get(dashboard("gemeente", world.testdorp.pk))
    [row] = [e for e in response.context["figures"].effect if e.group == "Testdorp Noord"]
    assert (row.window_days, row.before, row.after) == (100, 1, 2)
    assert "This is not proof that the group caused a change" in response.content.decode()


def test_the_yearly_report_prints_and_downloads_as_pdf(client, filled):
    world = filled
    client.force_login(world.coordinator)
    year = timezone.localdate().year
    page = client.get(download("report", "gemeente", world.testdorp.pk), {"jaar": year})
    assert page.status_code == 200 and f"Yearly report {year}: Testdorp" in page.content.decode()
    pdf = client.get(download("pdf", "gemeente", world.testdorp.pk), {"jaar": year})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.get(download("pdf", "gemeente", world.testdorp.pk), {"jaar": "1850"}).status_code == 400
    assert client.get(download("report", "gemeente", world.testdorp.pk), {"jaar": "abc"}).status_code == 400


def test_downloads_are_safe_for_spreadsheets(client, world):
    from apps.groups.models import Group

    Group.objects.filter(pk=world.group_a.pk).update(name='=HYPERLINK("http://x")')
    client.force_login(world.coordinator)
    body = client.get(download("csv", "gemeente", world.testdorp.pk))
    text = b"".join(body.streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text and ";=HYPERLINK" not in text
    body = client.get(download("xlsx", "gemeente", world.testdorp.pk))
    sheet = load_workbook(io.BytesIO(b"".join(body.streaming_content)), read_only=True).active
    names = [r[1] for r in sheet.iter_rows(values_only=True) if r[0] == "Members per group"]
    assert '\'=HYPERLINK("http://x")' in names


def test_100000_csv_rows_stream_without_filling_memory():
    def many():
        for n in range(100_000):
            yield ["Incidents", f"row {n}", n]

    tracemalloc.start()
    try:
        written = sum(len(line) for line in exports.csv_lines(exports.header(), many()))
        _size, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written > 2_000_000
    # The whole text would take megabytes; the writer holds one line at a time.
    assert peak < 1_000_000, peak


XLSX_CHILD = """
import os, resource, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buurtwacht.settings")
import django
django.setup()
from apps.figures import exports
rows = (["Incidents", f"2021-01 row {n}", n] for n in range(100_000))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with exports.xlsx_file("Figures", exports.header(), rows) as out:
    out.seek(0, os.SEEK_END)
    size = out.tell()
print(size, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024)
"""


def test_100000_xlsx_rows_go_to_a_file_without_filling_memory():
    """In a fresh process, so its peak memory is its own: 100,000 rows held in an ordinary
    workbook make the process grow by about 75 MB; written row by row, by a few."""
    done = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", XLSX_CHILD],
        cwd=settings.BASE_DIR,
        env={**os.environ, "BUURTWACHT_ENV": "test"},
        capture_output=True,
        text=True,
        check=True,
    )
    size, grown = (int(v) for v in done.stdout.split()[-2:])
    assert size > 1_000_000
    assert grown < 25_000_000, grown


def test_the_charts_are_svg_without_script_or_style_and_mark_suppressed_cells(client, filled):
    world = filled
    client.force_login(world.police)
    page = client.get(dashboard("zone", world.zone.pk), {"from": "2021-12-07", "to": "2026-12-06"}).content.decode()
    charts = page[page.index("<svg") : page.rindex("</svg>")]
    assert "style=" not in charts and "<script" not in charts and 'aria-hidden="true"' in charts
    assert 'class="chart-bar chart-suppressed"' in charts  # Testdorp Zuid's 3 members
    assert charts.count("<svg") >= 5
    # Five years of months: labelled every few months, drawn all the same.
    assert page.count('<th scope="row">2024-') == 12 * 4  # four monthly tables hold every month of 2024


def test_operators_read_exact_figures_of_any_municipality_and_zone(client, filled):
    world = filled
    client.force_login(world.superuser)
    for kind, pk in (("gemeente", world.grensstad.pk), ("zone", world.zone.pk)):
        response = client.get(dashboard(kind, pk))
        assert response.status_code == 200 and response.context["exact"] is True
