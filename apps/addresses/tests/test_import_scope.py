"""A coordinator's address upload touches only the addresses of their own municipality: it
cannot move another municipality's addresses, nor addresses of no municipality, to its groups,
nor add addresses in another municipality's postcodes or in another country. Each refused row is
reported with its line; the rest of the file is loaded. The operator's command still may."""

from __future__ import annotations

import pytest

from apps.addresses.importer import import_addresses
from apps.addresses.jobs import run_address_import
from apps.addresses.models import Address
from apps.areas.models import ImportJob
from apps.municipalities.models import Municipality

HEADER = "postcode,house_number,addition,street,town,lat,lon\n"
pytestmark = pytest.mark.django_db


@pytest.fixture
def places():
    heers = Municipality.objects.create(name="Heers", slug="heers", country="BE", code="73022")
    borgloon = Municipality.objects.create(name="Borgloon", slug="borgloon", country="BE", code="73009")
    Address.objects.create(
        country="BE",
        postcode="3870",
        house_number=1,
        street="Kerkstraat",
        town="Heers",
        lat=50.75,
        lon=5.30,
        municipality=heers,
    )
    Address.objects.create(
        country="BE",
        postcode="3840",
        house_number=5,
        street="Markt",
        town="Borgloon",
        lat=50.80,
        lon=5.34,
        municipality=borgloon,
    )
    # From a national register loaded without a municipality.
    Address.objects.create(
        country="BE", postcode="3870", house_number=9, street="Steenweg", town="Heers", lat=50.76, lon=5.31
    )
    return heers, borgloon


def upload(tmp_path, municipality, lines: str):
    path = tmp_path / "adressen.csv"
    path.write_text(HEADER + lines, encoding="utf-8")
    job = ImportJob.objects.create(municipality=municipality, kind="addresses", path=str(path), original_name="a.csv")
    return run_address_import(job, lambda percent: None)


def state():
    return sorted(Address.objects.values_list("postcode", "house_number", "street", "lat", "municipality__slug"))


def test_another_municipalitys_address_is_refused_and_left_as_it_is(tmp_path, places):
    heers, _borgloon = places
    before = state()
    summary, details = upload(tmp_path, heers, "3840,5,,Markt,Borgloon,50.7531,5.3012\n")
    assert state() == before
    assert "1 refused" in summary
    assert details == [
        "Line 2 postcode: This address belongs to another municipality, or to none, in the register; "
        "an import of Heers changes only its own addresses."
    ]


def test_an_address_of_no_municipality_is_not_taken(tmp_path, places):
    heers, _borgloon = places
    before = state()
    summary, details = upload(tmp_path, heers, "3870,9,,Steenweg,Heers,50.7,5.2\n")
    assert state() == before and Address.objects.get(street="Steenweg").municipality is None
    assert "1 refused" in summary and "belongs to another municipality, or to none" in details[0]


def test_a_new_address_in_another_municipalitys_postcode_is_refused(tmp_path, places):
    heers, _borgloon = places
    before = state()
    summary, details = upload(tmp_path, heers, "3840,7,,Markt,Borgloon,50.80,5.34\n")
    assert state() == before
    assert details == [
        "Line 2 postcode: Postcode 3840 belongs to another municipality in the register; "
        "an import of Heers adds only addresses of its own postcodes."
    ]


def test_an_address_in_another_country_is_refused(tmp_path, places):
    heers, _borgloon = places
    before = state()
    summary, details = upload(tmp_path, heers, "6211 AB,1,,Vrijthof,Maastricht,50.85,5.69\n")
    assert state() == before
    assert "is not in Belgium" in details[0]


def test_own_addresses_new_ones_and_new_houses_of_a_known_postcode_are_loaded(tmp_path, places):
    heers, _borgloon = places
    summary, details = upload(
        tmp_path,
        heers,
        "3870,1,,Kerkstraat,Heers,50.7540,5.3020\n"  # own: moved a little
        "3870,2,,Kerkstraat,Heers,50.7541,5.3021\n"  # new, own postcode
        "3870,11,,Steenweg,Heers,50.7600,5.3100\n"  # new house in a postcode known without a municipality
        "3850,4,,Nieuwstraat,Nieuwerkerken,50.86,5.19\n"  # a postcode the register does not know
        "3840,5,,Markt,Borgloon,50.7531,5.3012\n",  # refused; the lines around it are loaded
    )
    assert summary.startswith("5 lines: 3 new, 1 changed, 0 unchanged, 1 refused")
    assert Address.objects.get(postcode="3870", house_number=1).lat == pytest.approx(50.7540)
    assert set(Address.objects.filter(municipality=heers).values_list("house_number", flat=True)) == {1, 2, 11, 4}
    assert Address.objects.get(street="Markt").municipality.slug == "borgloon"


def test_the_operators_command_still_assigns_and_moves(tmp_path, places):
    heers, _borgloon = places
    path = tmp_path / "register.csv"
    path.write_text(HEADER + "3870,9,,Steenweg,Heers,50.76,5.31\n3840,5,,Markt,Borgloon,50.80,5.34\n", encoding="utf-8")
    result = import_addresses(path, municipality=heers)
    assert result.rejected == 0 and result.updated == 2
    assert set(Address.objects.filter(municipality=heers).values_list("house_number", flat=True)) == {1, 5, 9}
