"""The national coverage map of operators, and of police for their zone: who may see it, what it
counts, and that its queries do not grow with the number of municipalities."""

from __future__ import annotations

import pytest
import shapely
from django.db import connection
from django.test.utils import CaptureQueriesContext
from shapely.geometry import shape

from apps.addresses.models import Address
from apps.areas.services import save_area
from apps.core.actors import SYSTEM
from apps.coverage import aggregates, national
from apps.coverage.services import coverage_for
from apps.groups.models import Group
from apps.municipalities.models import Municipality
from apps.municipalities.services import publish_house_rules
from testkit.world import PASSWORD, add_member, box

PAGE = "/beheer/dekking/"
LAYER = "/beheer/dekking/kaartlaag.json"
GRENSSTAD_VIEW = "5.685,50.845,5.695,50.855"


def totals(features):
    return sum(f["properties"]["addresses"] for f in features), sum(f["properties"]["covered"] for f in features)


def test_operator_sees_every_municipality_aggregated(world, client):
    add_member(world.group_a, 1)
    add_member(world.group_nl, 2)
    client.login(username="root", password=PASSWORD)
    page = client.get(PAGE)
    assert page.status_code == 200
    rows = {r.name: r for r in page.context["coverage"].rows}
    assert set(rows) == {"Testdorp", "Grensstad"}
    assert (rows["Testdorp"].addresses, rows["Testdorp"].covered_addresses, rows["Testdorp"].active_groups) == (5, 4, 2)
    assert (rows["Grensstad"].addresses, rows["Grensstad"].covered_addresses, rows["Grensstad"].members) == (1, 1, 1)
    assert (page.context["coverage"].addresses, page.context["coverage"].covered_addresses) == (6, 5)
    hexes = client.get(LAYER, {"zoom": 7}).json()
    assert hexes["kind"] == "hexagons" and totals(hexes["features"]) == (6, 5)
    dots = client.get(LAYER, {"zoom": 17, "bbox": GRENSSTAD_VIEW}).json()
    assert dots["kind"] == "points"
    assert [f["properties"]["covered"] for f in dots["features"]] == [True]


def test_figures_are_the_sum_of_the_municipal_ones(world):
    aggregates.refresh()
    result = national.national_coverage(None)
    for row in result.rows:
        municipal = coverage_for(Municipality.objects.get(pk=row.id))
        assert (row.addresses, row.covered_addresses) == (municipal.addresses, municipal.covered_addresses)
        assert (row.active_groups, row.members) == (municipal.active_groups, municipal.members)


def test_an_address_counts_only_for_a_group_of_its_own_municipality(world):
    # A Grensstad address inside Testdorp Noord's area: Testdorp's group does not cover Grensstad.
    Address.objects.create(
        country="NL", postcode="6211 AC", house_number=1, street="Grensweg", town="Grensstad",
        lon=5.315, lat=50.755, municipality=world.grensstad,
    )  # fmt: skip
    aggregates.ensure_current()  # the new address made the figures stale; a small register is counted at once
    rows = {r.name: r for r in national.national_coverage(None).rows}
    assert (rows["Grensstad"].addresses, rows["Grensstad"].covered_addresses) == (2, 1)
    assert rows["Grensstad"].covered_addresses == coverage_for(world.grensstad).covered_addresses


def test_regional_hexagons_count_every_address_of_the_hexagons_in_view(world, client):
    client.login(username="root", password=PASSWORD)
    # A view over Testdorp's groups only; the address out in the fields lies well outside it.
    body = client.get(LAYER, {"zoom": 13, "bbox": "5.305,50.745,5.315,50.755"}).json()
    assert body["kind"] == "hexagons"
    assert totals(body["features"]) == (4, 4)
    # Without a view at regional zoom: the whole scope, as at national zoom.
    assert totals(client.get(LAYER, {"zoom": 13}).json()["features"]) == (6, 5)


def test_police_see_their_zone_only(world, client):
    client.login(username="police", password=PASSWORD)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert [r.name for r in page.context["coverage"].rows] == ["Testdorp"]
    assert "Grensstad" not in page.content.decode()
    assert totals(client.get(LAYER, {"zoom": 6}).json()["features"]) == (5, 4)
    # Hexagons small enough to tell the towns apart: none where Grensstad's address lies.
    hexes = client.get(LAYER, {"zoom": 11}).json()
    assert totals(hexes["features"]) == (5, 4)
    grensstad = shapely.Point(5.69, 50.85)
    assert not any(shape(f["geometry"]).intersects(grensstad) for f in hexes["features"])
    assert client.get(LAYER, {"zoom": 17, "bbox": GRENSSTAD_VIEW}).json()["features"] == []
    assert client.get(LAYER, {"zoom": 12, "bbox": GRENSSTAD_VIEW}).json()["features"] == []


@pytest.mark.parametrize("username", ["coordinator", "coordinator_nl", "admin_a"])
def test_other_roles_get_a_404(world, client, username):
    client.login(username=username, password=PASSWORD)
    for url, query in ((PAGE, {}), (LAYER, {"zoom": 6}), (LAYER, {"zoom": 17, "bbox": GRENSSTAD_VIEW})):
        response = client.get(url, query)
        assert response.status_code == 404
        assert b"Grensstad" not in response.content and b"Testdorp" not in response.content


def test_a_police_officer_without_municipalities_gets_a_404(world, client):
    world.zone.municipalities.clear()
    client.login(username="police", password=PASSWORD)
    assert client.get(PAGE).status_code == 404
    assert client.get(LAYER).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login(world, client):
    for url in (PAGE, LAYER):
        response = client.get(url)
        assert response.status_code == 302 and "/account/" in response["Location"]


def test_missing_or_bad_view_at_street_zoom_is_refused(world, client):
    client.login(username="root", password=PASSWORD)
    for bbox in ("", "a,b,c,d", "5.7,50.8,5.6,50.9", "nan,50,6,51"):
        response = client.get(LAYER, {"zoom": 17, "bbox": bbox})
        assert response.status_code == 400 and response.json()["error"]


def _add_municipalities(count: int, start: int) -> None:
    for n in range(start, start + count):
        municipality = Municipality.objects.create(name=f"Extra {n}", slug=f"extra-{n}", country="BE", code=f"9{n:04d}")
        publish_house_rules(municipality, title="Huisregels", text="1. Eerst 101 bellen.", actor=SYSTEM)
        west = 4.0 + n * 0.05
        area = save_area(
            actor=SYSTEM, municipality=municipality, name=f"Wijk {n}", geometry=box(west, 51.0, west + 0.02, 51.02)
        )
        group = Group.objects.create(
            municipality=municipality, area=area, name=f"Extra {n}", slug=f"extra-{n}", status=Group.Status.ACTIVE
        )
        add_member(group, 100 + n)
        Address.objects.create(
            country="BE", postcode="2000", house_number=n, street="Extrastraat", town=f"Extra {n}",
            lon=west + 0.01, lat=51.01, municipality=municipality,
        )  # fmt: skip


def _queries(client, url, query) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, query).status_code == 200
    return len(captured)


@pytest.mark.parametrize("username", ["root", "police"])
def test_query_count_does_not_grow_with_the_municipalities(world, client, username):
    client.login(username=username, password=PASSWORD)
    requests = [(PAGE, {}), (LAYER, {"zoom": 6}), (LAYER, {"zoom": 12, "bbox": "3,50,7,53"}),
                (LAYER, {"zoom": 14, "bbox": "4.0,50.9,4.3,51.1"}),
                (LAYER, {"zoom": 17, "bbox": "4.05,51.0,4.09,51.02"})]  # fmt: skip
    # One municipality in both views to begin with: a view with none in it skips the register.
    _add_municipalities(1, 1)
    world.zone.municipalities.add(*Municipality.objects.filter(slug__startswith="extra-"))
    aggregates.refresh()
    before = [_queries(client, url, query) for url, query in requests]
    _add_municipalities(6, 2)
    world.zone.municipalities.add(*Municipality.objects.filter(slug__startswith="extra-"))
    aggregates.refresh()
    after = [_queries(client, url, query) for url, query in requests]
    assert after == before
    # And the extra municipalities are on the map, and the one at 4.06, 51.01 on the street view.
    assert totals(client.get(LAYER, {"zoom": 6}).json()["features"])[0] == (13 if username == "root" else 12)
    assert len(client.get(LAYER, {"zoom": 17, "bbox": "4.05,51.0,4.09,51.02"}).json()["features"]) == 1


def test_police_and_operators_find_the_page_in_the_desk_menu(client, world):
    from django.urls import reverse

    url = reverse("staff:national_coverage")
    for user, shown in ((world.police, True), (world.superuser, True), (world.coordinator, False)):
        client.force_login(user)
        assert (f'href="{url}"' in client.get(reverse("staff:dashboard")).content.decode()) is shown
