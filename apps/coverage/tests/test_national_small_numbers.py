"""The national coverage page follows the figures' small-number rule (ADR 0033): the police read a
municipality's fewer than 5 members as "< 5" (0 stays 0), as on its figures page, through the same
function; operators read every count exact, a coordinator who is also a police officer their own
municipality's. The total passes the same rule, as the figures' total does. The map layer the page
fetches counts addresses only, no people.

``apps.coverage`` may not import ``apps.figures`` (the layers contract), so the page applies the
rule from ``apps.coverage.small_numbers``; the first test holds it to the figures' function."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from apps.coverage import national, small_numbers
from apps.figures import suppression
from apps.figures.period import Period
from apps.figures.permissions import sees_exact
from apps.figures.services import Scope, compute
from apps.figures.suppression import SUPPRESSED
from apps.municipalities.models import Municipality, PoliceOfficer
from testkit.world import add_member

pytestmark = pytest.mark.django_db

PAGE = "/beheer/dekking/"
LAYER = "/beheer/dekking/kaartlaag.json"
NOTE = "Counts of fewer than 5 people are shown as"
# Every kind of answer of the map layer: stored hexagons, regional ones, counted ones, dots.
LAYER_REQUESTS = [
    {"zoom": 6},
    {"zoom": 12, "bbox": "5.2,50.6,5.8,51.0"},
    {"zoom": 14, "bbox": "5.30,50.74,5.32,50.76"},
    {"zoom": 17, "bbox": "5.305,50.745,5.315,50.755"},
]


@pytest.mark.django_db(False)
def test_the_rule_is_the_figures_rule_for_every_count():
    assert (small_numbers.THRESHOLD, small_numbers.SUPPRESSED) == (suppression.THRESHOLD, suppression.SUPPRESSED)
    for n in range(0, 3 * suppression.THRESHOLD):
        for exact in (False, True):
            assert small_numbers.people(n, exact=exact) == suppression.people(n, exact=exact), (n, exact)


@pytest.fixture(autouse=True)
def _english(settings):
    """The page in English, whatever the language of the reader's browser (as the figures' tests)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def zone_of_three(world):
    """The police zone holds Testdorp (2 members, in two groups), Grensstad (7) and Leegdorp (no
    group, 0 members)."""
    add_member(world.group_a, 1)
    add_member(world.group_b, 2, street="Zuidstraat")
    for n in range(7):
        add_member(world.group_nl, 10 + n)
    leegdorp = Municipality.objects.create(name="Leegdorp", slug="leegdorp", country="BE", code="99999")
    world.zone.municipalities.add(world.grensstad, leegdorp)
    return world


def page_of(client, user) -> str:
    client.force_login(user)
    response = client.get(PAGE)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def members_cell(page: str, name: str) -> str:
    """The members column (the last) of a municipality's row in the table."""
    row = re.search(rf'<th scope="row">(?:<a [^>]*>)?{re.escape(name)}(?:</a>)?</th>(.*?)</tr>', page, re.S)
    assert row, name
    return re.findall(r"<td>(.*?)</td>", row.group(1))[-1]


def members_total(page: str) -> str:
    found = re.search(r"<dt>Members</dt><dd>(.*?)</dd>", page)
    assert found
    return found.group(1)


def test_the_police_read_fewer_than_5_members_of_a_municipality_as_less_than_5(client, zone_of_three):
    """The regression: the page said "2" for Testdorp's members to the police."""
    page = page_of(client, zone_of_three.police)
    assert members_cell(page, "Testdorp") == "&lt; 5"
    assert members_cell(page, "Leegdorp") == "0"
    assert members_cell(page, "Grensstad") == "7"
    assert NOTE in page
    # Groups are no people: Testdorp's two active groups stay exact.
    assert "<td>2</td><td>&lt; 5</td></tr>" in page


def test_the_page_reads_as_the_figures_of_each_municipality_and_the_zone(client, zone_of_three):
    """One figure, one reading: each municipality's members and the total as its figures page
    (``compute``) gives them to the same reader."""
    world = zone_of_three
    page = page_of(client, world.police)
    period = Period.default()
    for municipality in world.zone.municipalities.all():
        scope = Scope.of_municipality(municipality)
        figures = compute(scope, period, exact=sees_exact(world.police, scope))
        assert members_cell(page, municipality.name) == str(figures.members).replace("<", "&lt;")
    zone = compute(Scope.of_zone(world.zone), period, exact=sees_exact(world.police, Scope.of_zone(world.zone)))
    assert members_total(page) == str(zone.members) == "9"


def test_a_total_of_fewer_than_5_is_suppressed_too(client, world):
    """A total passes the rule as the figures' total does: a zone of one small municipality does
    not tell its count through the total."""
    add_member(world.group_a, 1)
    add_member(world.group_b, 2, street="Zuidstraat")
    page = page_of(client, world.police)
    assert members_cell(page, "Testdorp") == "&lt; 5"
    assert members_total(page) == "&lt; 5"
    assert NOTE in page


def test_an_operator_reads_every_count_exact(client, zone_of_three):
    page = page_of(client, zone_of_three.superuser)
    assert members_cell(page, "Testdorp") == "2"
    assert members_cell(page, "Grensstad") == "7"
    assert members_cell(page, "Leegdorp") == "0"
    assert members_total(page) == "9"
    assert NOTE not in page and "&lt; 5" not in page


def test_a_coordinator_on_the_page_reads_only_their_own_municipality_exact(client, zone_of_three):
    """A coordinator opens the page only as a police officer too; they read their own
    municipality's members exact (ADR 0033), every other one as the police do, and the total
    as the figures of the zone give it to them (exact only for a coordinator of all of it)."""
    world = zone_of_three
    PoliceOfficer.objects.create(user=world.coordinator_nl, zone=world.zone)
    # Grensstad's coordinator: Grensstad exact; Testdorp's 2 as "< 5".
    left = list(world.group_nl.members.order_by("pk").values_list("pk", flat=True)[:4])
    world.group_nl.members.filter(pk__in=left).update(left_at=timezone.now(), leave_reason="left")
    page = page_of(client, world.coordinator_nl)
    assert members_cell(page, "Grensstad") == "3"
    assert members_cell(page, "Testdorp") == "&lt; 5"
    assert members_cell(page, "Leegdorp") == "0"
    assert members_total(page) == "5"
    assert NOTE in page


def test_a_coordinator_of_every_municipality_in_the_zone_reads_exact(client, world):
    PoliceOfficer.objects.create(user=world.coordinator, zone=world.zone)
    add_member(world.group_a, 1)
    add_member(world.group_b, 2, street="Zuidstraat")
    page = page_of(client, world.coordinator)
    assert members_cell(page, "Testdorp") == "2" and members_total(page) == "2"
    assert NOTE not in page


def test_read_by_follows_sees_exact_one_municipality_at_a_time(zone_of_three):
    world = zone_of_three
    PoliceOfficer.objects.create(user=world.coordinator, zone=world.zone)
    coverage = national.national_coverage([m.pk for m in world.zone.municipalities.all()])
    for user in (world.police, world.coordinator, world.coordinator_nl, world.superuser):
        exact = national.exact_municipality_ids(user, [r.id for r in coverage.rows])
        for municipality in world.zone.municipalities.all():
            assert (municipality.pk in exact) is sees_exact(user, Scope.of_municipality(municipality))
    read = national.read_by(coverage, world.police)
    assert {r.name: r.members for r in read.rows} == {"Grensstad": 7, "Leegdorp": 0, "Testdorp": SUPPRESSED}
    assert (read.members, read.exact) == (9, False)
    # The rows keep everything else as counted: addresses and groups are no people.
    for shown, counted in zip(read.rows, coverage.rows, strict=True):
        assert (shown.addresses, shown.covered_addresses, shown.active_groups, shown.share_percent) == (
            counted.addresses,
            counted.covered_addresses,
            counted.active_groups,
            counted.share_percent,
        )


@pytest.mark.parametrize("who", ["police", "superuser"])
def test_the_map_layer_counts_addresses_and_no_people(client, zone_of_three, who):
    """What the page fetches: addresses, covered ones and their share per hexagon, or whether a
    dot is covered. No count of people, so nothing to suppress."""
    client.force_login(getattr(zone_of_three, who))
    for query in LAYER_REQUESTS:
        body = client.get(LAYER, query).json()
        assert body["features"], query
        for feature in body["features"]:
            assert set(feature["properties"]) <= {"addresses", "covered", "share"}, query
        assert "member" not in str(body).lower()
