"""Coverage of a municipality by address, its coordinator page and its map layer."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from apps.addresses.models import Address
from apps.coverage import hexbins
from apps.coverage.services import coverage_for
from apps.municipalities.models import SubMunicipality
from testkit.world import PASSWORD, add_member, box


def test_figures_sentence_and_uncovered_streets(world):
    for n in range(1, 4):
        add_member(world.group_a, n)
    add_member(world.group_b, 10)
    add_member(world.group_b, 11)
    world.group_b.capacity = 2
    world.group_b.save()
    SubMunicipality.objects.create(
        municipality=world.testdorp, name="Noord-dorp", geometry=box(5.30, 50.75, 5.32, 50.76)
    )
    SubMunicipality.objects.create(municipality=world.testdorp, name="Veld", geometry=box(5.38, 50.68, 5.42, 50.72))
    result = coverage_for(world.testdorp)
    # Testdorp: 5 addresses, of which 4 lie in group A's or B's area (one on their shared border).
    assert (result.addresses, result.covered_addresses) == (5, 4)
    assert result.share == pytest.approx(0.8)
    assert result.members == 5 and result.members_per_100 == pytest.approx(100)
    assert [g.name for g in result.near_capacity] == ["Testdorp Zuid"]
    assert result.uncovered_streets == [("Veldweg", "Testdorp", 1)]
    subs = {s.name: s for s in result.sub_municipalities}
    assert subs["Noord-dorp"].covered and not subs["Veld"].covered
    assert (subs["Veld"].addresses, subs["Veld"].covered_addresses) == (1, 0)
    assert subs["Noord-dorp"].groups == 1 and subs["Noord-dorp"].members == 3
    assert result.sentence() == "2 groups, 5 members, 1 of 2 sub-municipalities covered, largest group 3"


def test_a_closed_group_covers_nothing(world):
    world.group_a.status = "closed"
    world.group_a.save()
    result = coverage_for(world.testdorp)
    assert result.covered_addresses == 3  # group B's two addresses and the border one
    assert ("Noordstraat", "Testdorp", 1) in result.uncovered_streets


def test_hexagons_hold_their_addresses_and_add_up():
    rng = np.random.default_rng(7)
    lons, lats = rng.uniform(5.2, 5.4, 3000), rng.uniform(50.7, 50.8, 3000)
    covered = lons > 5.3
    features = hexbins.hexbins(lons, lats, covered, 400)
    assert sum(f["properties"]["addresses"] for f in features) == 3000
    assert sum(f["properties"]["covered"] for f in features) == int(covered.sum())
    polygons = [shapely.geometry.shape(f["geometry"]) for f in features]
    tree = shapely.STRtree(polygons)
    inside, _ = tree.query(shapely.points(lons[:200], lats[:200]), predicate="intersects")
    assert len(set(inside.tolist())) == 200  # every point lies in a hexagon


def test_coordinator_page_and_layer(world, client):
    client.login(username="coordinator", password=PASSWORD)
    page = client.get(f"/beheer/gemeente/{world.testdorp.pk}/dekking/")
    assert page.status_code == 200
    assert "Veldweg" in page.content.decode()
    hexes = client.get(f"/beheer/gemeente/{world.testdorp.pk}/dekking/kaartlaag.json", {"zoom": 10}).json()
    assert hexes["kind"] == "hexagons"
    assert sum(f["properties"]["addresses"] for f in hexes["features"]) == 5
    points = client.get(
        f"/beheer/gemeente/{world.testdorp.pk}/dekking/kaartlaag.json",
        {"zoom": 17, "bbox": "5.29,50.73,5.33,50.77"},
    ).json()
    assert points["kind"] == "points" and len(points["features"]) == 4


@pytest.mark.parametrize("username", ["coordinator_nl", "admin_a", "police"])
def test_other_roles_do_not_see_the_coverage(world, client, username):
    client.login(username=username, password=PASSWORD)
    assert client.get(f"/beheer/gemeente/{world.testdorp.pk}/dekking/").status_code == 404
    assert client.get(f"/beheer/gemeente/{world.testdorp.pk}/dekking/kaartlaag.json").status_code == 404


def test_anonymous_is_sent_to_login(world, client):
    response = client.get(f"/beheer/gemeente/{world.testdorp.pk}/dekking/")
    assert response.status_code == 302 and "inloggen" in response["Location"]
    assert Address.objects.count() == 6


@pytest.mark.parametrize(
    ("language", "sentence", "addresses"),
    [
        ("nl", "1.204 groepen, 12.500 leden, 11 van 12 deelgemeenten gedekt, grootste groep: 1.250", "10.000.000"),
        ("en", "1,204 groups, 12,500 members, 11 of 12 sub-municipalities covered, largest group 1,250", "10,000,000"),
        ("fr", "1\xa0204 groupes, 12\xa0500 membres", "10\xa0000\xa0000"),
    ],
)
def test_large_figures_are_grouped_as_the_language_writes_them(
    world, client, monkeypatch, language, sentence, addresses
):
    from apps.coverage.services import Coverage, GroupLoad, SubCoverage
    from apps.staff.views import areas as views_geo

    big = Coverage(
        municipality=world.testdorp,
        active_groups=1204,
        members=12500,
        addresses=10_000_000,
        covered_addresses=9_250_000,
        sub_municipalities=[SubCoverage(name=f"Deel {n}", covered=n < 11) for n in range(12)],
        largest_group=GroupLoad(id=world.group_a.pk, name="Testdorp Noord", members=1250, capacity=1300),
        uncovered_streets=[("Veldweg", "Testdorp", 25_000)],
        uncovered_street_count=1,
    )
    monkeypatch.setattr(views_geo, "coverage_for", lambda municipality: big)
    client.login(username="coordinator", password=PASSWORD)
    page = client.get(f"/beheer/gemeente/{world.testdorp.pk}/dekking/", HTTP_ACCEPT_LANGUAGE=language)
    text = page.content.decode()
    assert sentence in text
    assert f"<dd>{addresses}</dd>" in text
