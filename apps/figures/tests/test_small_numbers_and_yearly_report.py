"""Two defects found by walking the pages, and what keeps them fixed:

- The police read a group's small member count as "< 5" on the police overview as on the
  zone's figures page (one function, ``suppression.people``); 0 reads 0 on both.
- The yearly report of a past year states groups, members and coverage as they were at the end
  of that year, not today; where the data kept no longer shows that, it says they were counted
  today. Its dates are in the reader's language."""

from __future__ import annotations

import datetime as dt
import re
import zlib

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from apps.areas.services import save_area
from apps.audit.models import AuditEvent
from apps.core.actors import SYSTEM
from apps.figures import report as pdf_report
from apps.figures.period import Period
from apps.figures.services import (
    STOCK_AT_END,
    STOCK_NO_HISTORY,
    STOCK_NOT_OVER,
    STOCK_TODAY,
    Scope,
    compute,
)
from apps.figures.suppression import SUPPRESSED, members_text, people
from apps.groups.models import Group
from apps.groups.services import save_group
from apps.municipalities.models import SubMunicipality
from apps.staff.figures import with_member_count
from testkit.world import add_member, box

pytestmark = pytest.mark.django_db

POLICE_OVERVIEW = "/beheer/politie/"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def url(name: str, kind: str, pk: int) -> str:
    return reverse(f"staff:figures_{name}", kwargs={"kind": kind, "pk": pk})


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def card_of(page: str, name: str) -> str:
    """The police overview's card of one group."""
    match = re.search(rf"<h3>{re.escape(name)}</h3>(.*?)</li>\s*(?:<li class=\"card\"|</ul>\s*</section>)", page, re.S)
    assert match, name
    return match.group(1)


def pdf_text(body: bytes) -> str:
    """The text drawn in a PDF made by fpdf2 (its page streams, deflated)."""
    texts = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", body, re.S):
        try:
            texts.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            texts.append(stream.decode("latin-1"))
    return "".join(texts)


# --- the police overview follows the small-number rule -------------------------------------------


@pytest.fixture
def small(world):
    """Testdorp Noord with 7 members (one more left), Testdorp Zuid with 2: the zone's groups."""
    now = timezone.now()
    for n in range(7):
        add_member(world.group_a, 100 + n, joined_at=now - dt.timedelta(days=40))
    gone = add_member(world.group_a, 150, joined_at=now - dt.timedelta(days=90))
    gone.left_at, gone.leave_reason = now - dt.timedelta(days=5), "left"
    gone.save()
    for n in range(2):
        add_member(world.group_b, 200 + n, joined_at=now - dt.timedelta(days=40), street="Zuidstraat")
    return world


def test_the_police_read_fewer_than_5_members_as_on_the_figures_page(client, small):
    """The regression: the overview said "2 members" where the figures page said "< 5"."""
    world = small
    client.force_login(world.police)
    overview = html(client.get(POLICE_OVERVIEW))
    assert "2 members" not in overview
    assert "&lt; 5 members" in card_of(overview, "Testdorp Zuid")
    assert "7 members" in card_of(overview, "Testdorp Noord")
    assert "Counts of fewer than 5 people are shown as" in overview
    figures = html(client.get(url("dashboard", "zone", world.zone.pk)))
    assert "Testdorp Zuid</th><td>&lt; 5</td>" in figures and "Testdorp Noord</th><td>7</td>" in figures
    # The same function on both pages: the overview's words are the suppression's own.
    assert members_text(2, exact=False) == f"{SUPPRESSED} members"
    assert members_text(2, exact=True) == "2 members"


def test_an_empty_group_reads_0_members_for_the_police_on_both_pages(client, world):
    """0 is not suppressed (``suppression.people``): it names nobody, and the police need to
    know a group has no members yet. The overview says so as the figures page does."""
    assert people(0, exact=False) == 0
    for n in range(6):
        add_member(world.group_a, 100 + n)
    client.force_login(world.police)
    overview = html(client.get(POLICE_OVERVIEW))
    assert "0 members" in card_of(overview, "Testdorp Zuid")
    assert "6 members" in card_of(overview, "Testdorp Noord")
    figures = html(client.get(url("dashboard", "zone", world.zone.pk)))
    assert "Testdorp Zuid</th><td>0</td>" in figures


def test_whoever_may_see_the_members_reads_the_exact_count(client, small):
    """The coordinator reads exact counts on the overview as on the municipality's figures (ADR
    0033); so does the group's own admin, who sees the members themselves."""
    world = small
    client.force_login(world.coordinator)
    overview = html(client.get(POLICE_OVERVIEW))
    assert "2 members" in card_of(overview, "Testdorp Zuid") and "&lt; 5" not in overview
    assert "Counts of fewer than 5 people" not in overview
    assert "Testdorp Zuid</th><td>2</td>" in html(client.get(url("dashboard", "gemeente", world.testdorp.pk)))
    client.force_login(world.admin_b)
    assert "2 members" in card_of(html(client.get(POLICE_OVERVIEW)), "Testdorp Zuid")


def test_the_police_open_no_group_page_that_counts_its_members(client, small):
    world = small
    client.force_login(world.police)
    for name in ("staff:group_detail", "staff:member_list", "staff:group_printables", "staff:group_admins"):
        assert client.get(reverse(name, args=[world.group_b.pk])).status_code == 404, name
    assert client.get(reverse("staff:coverage", args=[world.testdorp.pk])).status_code == 404


# --- the yearly report of a past year: the figures at the end of that year ------------------------


def last_year() -> int:
    return timezone.localdate().year - 1


def end_of(year: int) -> dt.datetime:
    """The first moment after ``year``."""
    return Period.year(year).end_at


@pytest.fixture
def history(world):
    """At the end of last year: Noord (7 members) and Zuid (5), both active, each covering its
    sub-municipality; a group "Oud" closed during last year. Since then Zuid was closed, a
    group Oost started with 5 members, 2 joined Noord and 1 left it.

    The groups were made through the services (their audit events say so) and dated back, as
    the demo's data load does."""
    end = end_of(last_year())
    now = timezone.now()
    long_ago = end - dt.timedelta(days=3 * 365)
    # Zuid is closed now (after the year).
    save_group(
        actor=SYSTEM,
        municipality=world.testdorp,
        area=world.group_b.area,
        name=world.group_b.name,
        status=Group.Status.CLOSED,
        capacity=world.group_b.capacity,
        group=world.group_b,
    )
    Group.objects.filter(pk__in=[world.group_a.pk, world.group_b.pk]).update(created_at=long_ago)
    SubMunicipality.objects.create(municipality=world.testdorp, name="Noordhoek", geometry=world.group_a.area.geometry)
    SubMunicipality.objects.create(municipality=world.testdorp, name="Zuidhoek", geometry=world.group_b.area.geometry)
    for n in range(6):
        add_member(world.group_a, 100 + n, joined_at=long_ago)
    left_this_year = add_member(world.group_a, 110, joined_at=long_ago)
    left_this_year.left_at, left_this_year.leave_reason = now, "left"
    left_this_year.save()
    left_last_year = add_member(world.group_a, 111, joined_at=long_ago)
    left_last_year.left_at, left_last_year.leave_reason = end - dt.timedelta(days=30), "moved"
    left_last_year.save()
    for n in range(2):
        add_member(world.group_a, 120 + n, joined_at=now)  # joined after the year
    for n in range(5):
        add_member(world.group_b, 200 + n, joined_at=long_ago, street="Zuidstraat")
    # Oud: active for years, closed in the middle of last year (its audit trail says so).
    oud = save_group(
        actor=SYSTEM,
        municipality=world.testdorp,
        area=save_area(actor=SYSTEM, municipality=world.testdorp, name="Oud", geometry=box(5.50, 50.70, 5.52, 50.71)),
        name="Testdorp Oud",
        status=Group.Status.ACTIVE,
        capacity=settings.BUURTWACHT_DEFAULT_GROUP_CAPACITY,
    )
    Group.objects.filter(pk=oud.pk).update(created_at=long_ago, status=Group.Status.CLOSED)
    AuditEvent.objects.create(
        action=AuditEvent.Action.GROUP_UPDATED,
        target_type="groups.group",
        target_id=str(oud.pk),
        municipality_id=world.testdorp.pk,
        group_id=oud.pk,
        data={"status": Group.Status.CLOSED},
        created_at=end - dt.timedelta(days=180),
    )
    add_member(oud, 400, joined_at=long_ago)
    # Oost: started after the year, in an area of no sub-municipality.
    oost = save_group(
        actor=SYSTEM,
        municipality=world.testdorp,
        area=save_area(actor=SYSTEM, municipality=world.testdorp, name="Oost", geometry=box(5.40, 50.70, 5.42, 50.71)),
        name="Testdorp Oost",
        status=Group.Status.ACTIVE,
        capacity=settings.BUURTWACHT_DEFAULT_GROUP_CAPACITY,
    )
    for n in range(5):
        add_member(oost, 300 + n, joined_at=now, street="Veldweg")
    world.testdorp.retention_audit_days = 3650  # the trail reaches back, whatever today's date
    world.testdorp.save()
    return world


def test_the_yearly_report_of_a_past_year_counts_as_at_its_end(client, history):
    """The regression: the report of last year counted today's groups and members."""
    world = history
    year = last_year()
    client.force_login(world.coordinator)
    response = client.get(url("report", "gemeente", world.testdorp.pk), {"jaar": year})
    page = html(response)
    f = response.context["figures"]
    assert (f.stock, f.counted_on) == (STOCK_AT_END, dt.date(year, 12, 31))
    # Noord: 6 who stay, 1 who left this year (still there at the end of last year); not the one
    # who left last year, nor the 2 who joined this year. Zuid, closed since, was active then.
    # Oost started this year; Oud was closed before the end of last year.
    assert [(g.name, g.members) for g in f.groups] == [("Testdorp Noord", 7), ("Testdorp Zuid", 5)]
    assert (f.active_groups, f.members, f.covered, f.sub_municipality_total) == (2, 12, 2, 2)
    assert [(s.name, s.covered, s.groups, s.members) for s in f.sub_municipalities] == [
        ("Noordhoek", True, 1, 7),
        ("Zuidhoek", True, 1, 5),
    ]
    assert "2 active groups, 12 members, 2 of the 2 sub-municipalities" in page
    assert "Testdorp Oost" not in page and "Testdorp Oud" not in page
    assert "at the end of the year" in page
    # What happened in the year is still counted over the year: the one who left in it.
    assert f.left == 1 and f.joined == 0
    # Today the dashboard counts today, as it says.
    today = compute(Scope.of_municipality(world.testdorp), Period.default(), exact=True)
    assert today.stock == STOCK_TODAY
    assert (today.active_groups, today.members, today.covered) == (2, 13, 1)


def test_the_police_read_the_past_year_with_small_counts_suppressed(client, history):
    world = history
    # Two of Zuid's five left on the last evening of the year.
    world.group_b.members.filter(house_number__in=["203", "204"]).update(
        left_at=end_of(last_year()) - dt.timedelta(hours=1), leave_reason="left"
    )
    client.force_login(world.police)
    response = client.get(url("report", "zone", world.zone.pk), {"jaar": last_year()})
    f = response.context["figures"]
    # Zuid had 3 members at the end of the year, read as "< 5"; Noord's 7 stay 7.
    assert [(g.name, g.members) for g in f.groups] == [("Testdorp Noord", 7), ("Testdorp Zuid", SUPPRESSED)]
    page = html(response)
    assert "Testdorp Zuid</th><td>&lt; 5</td>" in page and "Counts of fewer than 5 people" in page


def test_the_report_of_the_current_year_counts_today_and_says_so(client, history):
    world = history
    year = timezone.localdate().year
    client.force_login(world.coordinator)
    response = client.get(url("report", "gemeente", world.testdorp.pk), {"jaar": year})
    page = html(response)
    f = response.context["figures"]
    assert (f.stock, f.counted_on) == (STOCK_NOT_OVER, timezone.localdate())
    assert [(g.name, g.members) for g in f.groups] == [("Testdorp Noord", 8), ("Testdorp Oost", 5)]
    assert "the year is not over yet" in page


def test_where_the_data_kept_no_longer_shows_the_year_s_end_the_report_says_it_counted_today(client, history):
    """Members who left are removed after the retention period: once a removal may have taken
    someone who was there at the end of the year, that count is no longer known."""
    world = history
    world.testdorp.retention_members_days = 1
    world.testdorp.save()
    AuditEvent.objects.create(
        action=AuditEvent.Action.RETENTION_APPLIED,
        target_type="municipalities.municipality",
        target_id=str(world.testdorp.pk),
        municipality_id=world.testdorp.pk,
        data={"members": 1},
        created_at=end_of(last_year()) + dt.timedelta(days=2),
    )
    client.force_login(world.coordinator)
    response = client.get(url("report", "gemeente", world.testdorp.pk), {"jaar": last_year()})
    page = html(response)
    f = response.context["figures"]
    assert (f.stock, f.counted_on) == (STOCK_NO_HISTORY, timezone.localdate())
    assert [(g.name, g.members) for g in f.groups] == [("Testdorp Noord", 8), ("Testdorp Oost", 5)]
    assert "not at the end of the year" in page
    # A removal that took only people who had left before the year's end changes nothing.
    world.testdorp.retention_members_days = 30
    world.testdorp.save()
    assert compute(Scope.of_municipality(world.testdorp), Period.year(last_year()), exact=True).stock == STOCK_AT_END
    # Nor may the audit trail have lost the year's end.
    world.testdorp.retention_audit_days = 1
    world.testdorp.save()
    f = compute(Scope.of_municipality(world.testdorp), Period.year(last_year() - 1), exact=True)
    assert f.stock == STOCK_NO_HISTORY


def test_a_group_whose_status_at_the_year_s_end_is_not_recorded_makes_the_report_count_today(history):
    """A group first recorded by a change after the year's end: its status then is unknown."""
    world = history
    area = save_area(actor=SYSTEM, municipality=world.testdorp, name="West", geometry=box(5.20, 50.70, 5.22, 50.71))
    west = Group.objects.create(
        municipality=world.testdorp,
        area=area,
        name="Testdorp West",
        slug="testdorp-west",
        status=Group.Status.FORMING,
        created_at=end_of(last_year()) - dt.timedelta(days=400),
    )
    scope = Scope.of_municipality(world.testdorp)
    # Never saved through the services: it kept its status (forming), counted as before.
    assert compute(scope, Period.year(last_year()), exact=True).stock == STOCK_AT_END
    save_group(
        actor=SYSTEM,
        municipality=world.testdorp,
        area=area,
        name=west.name,
        status=Group.Status.ACTIVE,
        capacity=west.capacity,
        group=west,
    )
    assert compute(scope, Period.year(last_year()), exact=True).stock == STOCK_NO_HISTORY


def test_the_report_writes_dates_in_the_reader_s_language(client, history):
    world = history
    year = last_year()
    client.force_login(world.coordinator)
    page = html(client.get(url("report", "gemeente", world.testdorp.pk), {"jaar": year}, HTTP_ACCEPT_LANGUAGE="nl"))
    assert f"{year}-01-01" not in page and f"{year}-12-31" not in page
    assert f"1 januari {year}" in page and f"31 december {year}" in page
    page = html(client.get(url("report", "gemeente", world.testdorp.pk), {"jaar": year}, HTTP_ACCEPT_LANGUAGE="fr"))
    assert f"1 janvier {year}" in page and f"31 décembre {year}" in page
    pdf = client.get(url("pdf", "gemeente", world.testdorp.pk), {"jaar": year}, HTTP_ACCEPT_LANGUAGE="nl")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content)
    assert f"1 januari {year}" in text and f"31 december {year}" in text and f"{year}-01-01" not in text
    assert "12 leden" in text  # the year-end sentence, in Dutch


def test_the_pdf_counts_as_the_page_does(client, history):
    world = history
    client.force_login(world.coordinator)
    pdf = client.get(url("pdf", "gemeente", world.testdorp.pk), {"jaar": last_year()})
    text = pdf_text(pdf.content)
    assert "2 active groups, 12 members" in text and "Testdorp Oost" not in text
    assert "at the end of the year" in text
    assert pdf_report._latin1("“< 5”") == '"< 5"'


@pytest.mark.parametrize(
    "jaar",
    ["abc", "1800", "1999", "next", " ", "2025.0", "-1", "9" * 5000, "١٩٩٩"],
)
def test_a_bad_year_gets_a_clear_message_never_an_error(client, history, jaar):
    world = history
    client.force_login(world.coordinator)
    for name in ("report", "pdf"):
        response = client.get(url(name, "gemeente", world.testdorp.pk), {"jaar": jaar})
        assert response.status_code == 400, (name, jaar)
        assert response.content.decode() == f"Choose a year from 2000 to {timezone.localdate().year}."


def test_next_year_is_refused_and_no_year_means_last_year(client, history):
    world = history
    client.force_login(world.coordinator)
    for name in ("report", "pdf"):
        response = client.get(url(name, "gemeente", world.testdorp.pk), {"jaar": timezone.localdate().year + 1})
        assert response.status_code == 400
    for params in ({}, {"jaar": ""}):
        response = client.get(url("report", "gemeente", world.testdorp.pk), params)
        assert html(response) and response.context["figures"].period == Period.year(last_year())
        assert response.context["figures"].stock == STOCK_AT_END


@pytest.mark.parametrize("who", ["coordinator_nl", "police_nl", "admin_a", "nobody"])
def test_others_cannot_read_the_report_of_any_year_and_nothing_changes(client, history, who):
    world = history
    before = (AuditEvent.objects.count(), list(Group.objects.values_list("pk", "status", "created_at")))
    client.force_login(getattr(world, who))
    for name in ("report", "pdf"):
        for kind, pk in (("gemeente", world.testdorp.pk), ("zone", world.zone.pk)):
            for jaar in (last_year(), timezone.localdate().year, "abc", ""):
                assert client.get(url(name, kind, pk), {"jaar": jaar}).status_code == 404, (who, name, kind, jaar)
    assert (AuditEvent.objects.count(), list(Group.objects.values_list("pk", "status", "created_at"))) == before


def test_a_group_s_member_count_on_the_desk_is_the_figures_count(small):
    """The overview counts current members as the figures do (``with_member_count``)."""
    world = small
    counts = dict(
        with_member_count(Group.objects.filter(municipality=world.testdorp)).values_list("name", "member_count")
    )
    f = compute(Scope.of_municipality(world.testdorp), Period.default(), exact=True)
    assert {g.name: g.members for g in f.groups} == counts == {"Testdorp Noord": 7, "Testdorp Zuid": 2}
