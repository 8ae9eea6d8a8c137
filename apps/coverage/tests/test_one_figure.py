"""One sub-municipality coverage figure: the same rule and the same number on the municipality
page, the dashboard, the coverage page, the open-data API and the coverage export."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import override_settings

from apps.api.opendata import open_data
from apps.areas.services import save_area
from apps.core.actors import SYSTEM
from apps.coverage.services import coverage_for
from apps.coverage.sub_municipalities import covered_count, covered_counts, sub_municipality_cover
from apps.groups.models import Group
from apps.groups.services import save_group
from apps.municipalities.models import Municipality, SubMunicipality
from apps.staff.figures import municipality_figures
from testkit.world import PASSWORD, box

# Group A's area is 5.30–5.32 × 50.75–50.76, group B's 5.30–5.32 × 50.74–50.75.


def _subs(world):
    """West and Oost: each a tall strip that groups A and B cross together (a third of each, so
    less than half); Veld: far from every group."""
    west = SubMunicipality.objects.create(
        municipality=world.testdorp, name="West", geometry=box(5.30, 50.70, 5.31, 50.76)
    )
    oost = SubMunicipality.objects.create(
        municipality=world.testdorp, name="Oost", geometry=box(5.31, 50.70, 5.32, 50.76)
    )
    veld = SubMunicipality.objects.create(
        municipality=world.testdorp, name="Veld", geometry=box(5.38, 50.68, 5.42, 50.72)
    )
    return west, oost, veld


def test_a_group_spanning_two_sub_municipalities_covers_both(world):
    world.group_b.status = Group.Status.CLOSED
    world.group_b.save()
    _subs(world)
    rows = {r.name: r for r in sub_municipality_cover(world.testdorp)}
    assert rows["West"].group_ids == (world.group_a.pk,) and rows["Oost"].group_ids == (world.group_a.pk,)
    assert not rows["Veld"].covered
    assert covered_count(world.testdorp) == covered_counts([world.testdorp.pk])[world.testdorp.pk]
    assert (covered_count(world.testdorp).covered, covered_count(world.testdorp).total) == (2, 3)


def test_touching_or_a_sliver_is_no_coverage(world):
    # North of group A's area: one sub-municipality that only touches it, one that group A's
    # area crosses by about 11 m (0.0001° of latitude), one it crosses by about 110 m.
    SubMunicipality.objects.create(municipality=world.testdorp, name="Raakt", geometry=box(5.30, 50.76, 5.31, 50.78))
    SubMunicipality.objects.create(municipality=world.testdorp, name="Strook", geometry=box(5.31, 50.7599, 5.32, 50.78))
    SubMunicipality.objects.create(municipality=world.testdorp, name="Echt", geometry=box(5.31, 50.759, 5.32, 50.78))
    rows = {r.name: r.covered for r in sub_municipality_cover(world.testdorp)}
    assert rows == {"Echt": True, "Raakt": False, "Strook": False}


def test_without_a_boundary_the_link_of_an_area_decides(world):
    linked = SubMunicipality.objects.create(municipality=world.testdorp, name="Zonder grens")
    SubMunicipality.objects.create(municipality=world.testdorp, name="Ook zonder grens")
    world.group_b.area.sub_municipality = linked
    world.group_b.area.save()
    rows = {r.name: r.group_ids for r in sub_municipality_cover(world.testdorp)}
    assert rows == {"Ook zonder grens": (), "Zonder grens": (world.group_b.pk,)}


def test_an_area_linked_to_a_sub_municipality_it_does_not_overlap_does_not_cover_it(world):
    west, _oost, veld = _subs(world)
    world.group_b.area.sub_municipality = veld  # a wrong link: the boundary decides
    world.group_b.area.save()
    assert {r.name: r.covered for r in sub_municipality_cover(world.testdorp)} == {
        "Oost": True,
        "Veld": False,
        "West": True,
    }


def test_a_forming_group_or_another_municipalitys_group_covers_nothing(world):
    _subs(world)
    for group in (world.group_a, world.group_b):
        group.status = Group.Status.FORMING
        group.save()
    area = save_area(actor=SYSTEM, municipality=world.grensstad, name="Over", geometry=box(5.30, 50.70, 5.32, 50.76))
    save_group(
        actor=SYSTEM, municipality=world.grensstad, area=area, name="Over", status=Group.Status.ACTIVE, capacity=50
    )
    assert covered_count(world.testdorp).covered == 0


def _csv_total(content: str) -> str:
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))
    return rows[-1][1]


def test_every_page_the_api_and_the_export_show_the_same_figure(world, client):
    _subs(world)
    client.login(username="coordinator", password=PASSWORD)
    headers = {"Accept-Language": "en"}
    municipality_page = client.get(f"/beheer/gemeente/{world.testdorp.pk}/", headers=headers).content.decode()
    dashboard = client.get("/beheer/", headers=headers).content.decode()
    coverage_page = client.get(f"/beheer/gemeente/{world.testdorp.pk}/dekking/", headers=headers).content.decode()
    export = client.get(f"/beheer/gemeente/{world.testdorp.pk}/dekking.csv", headers=headers)
    api = client.get("/api/v1/opendata/groups.json").json()

    assert "2 of 3" in municipality_page and "2 of 3" in dashboard
    assert municipality_page.count('<span class="badge ok">covered</span>') == 2
    assert "2 of 3 sub-municipalities covered" in coverage_page
    assert coverage_page.count('<span class="badge ok">covered</span>') == 2
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    assert _csv_total(export.content.decode()) == "2 of 3"
    testdorp = next(m for m in api["municipalities"] if m["name"] == "Testdorp")
    assert (testdorp["covered_sub_municipalities"], testdorp["sub_municipalities"]) == (2, 3)
    grensstad = next(m for m in api["municipalities"] if m["name"] == "Grensstad")
    assert (grensstad["covered_sub_municipalities"], grensstad["sub_municipalities"]) == (0, 0)
    figures = municipality_figures(world.testdorp)
    assert (figures.covered, figures.sub_municipalities) == (2, 3)
    assert coverage_for(world.testdorp).covered_sub_municipalities == 2


def test_the_export_holds_the_coverage_pages_rows(world, client):
    _subs(world)
    client.login(username="coordinator", password=PASSWORD)
    export = client.get(
        f"/beheer/gemeente/{world.testdorp.pk}/dekking.csv?sep=comma", headers={"Accept-Language": "en"}
    )
    rows = list(csv.reader(io.StringIO(export.content.decode().lstrip("\ufeff"))))
    assert rows[0] == ["sub-municipality", "covered", "addresses", "addresses in a group's area", "groups", "members"]
    # Testdorp's addresses: three on 5.31, the West/Oost boundary (both count them), one just east.
    assert rows[1:] == [
        ["Oost", "yes", "4", "4", "2", "0"],
        ["Veld", "no", "1", "0", "0", "0"],
        ["West", "yes", "3", "3", "2", "0"],
        ["total", "2 of 3", "5", "4", "2", "0"],
    ]


@pytest.mark.parametrize("username", ["coordinator_nl", "admin_a", "police", "nobody"])
def test_other_roles_do_not_get_the_export(world, client, username):
    client.login(username=username, password=PASSWORD)
    assert client.get(f"/beheer/gemeente/{world.testdorp.pk}/dekking.csv").status_code in (403, 404)


def test_the_export_needs_a_login(world, client):
    response = client.get(f"/beheer/gemeente/{world.testdorp.pk}/dekking.csv")
    assert response.status_code == 302 and "text/csv" not in response.get("Content-Type", "")


@pytest.mark.django_db
def test_heerlo_shows_11_of_12_everywhere():
    """The seed's "11 of our 12 sub-municipalities": the demo's Heerlo has groups whose areas span
    two sub-municipalities, which the municipality page used to miss (5 of 12)."""
    from apps.demo import figures as demo_figures
    from apps.demo import load

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        load.load()
    heerlo = Municipality.objects.get(slug="heerlo")
    staff_figures = municipality_figures(heerlo)
    assert (staff_figures.covered, staff_figures.sub_municipalities) == (11, 12)
    assert coverage_for(heerlo).covered_sub_municipalities == 11
    entry = next(m for m in open_data()["municipalities"] if m["name"] == "Heerlo")
    assert (entry["covered_sub_municipalities"], entry["sub_municipalities"]) == (11, 12)
    demo = demo_figures.coverage(heerlo)
    assert (demo.covered, demo.sub_municipalities) == (11, 12)
