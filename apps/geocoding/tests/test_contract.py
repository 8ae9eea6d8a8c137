"""Contract: the adapters read the recorded real responses in ../shared/data/fixtures (present in
CI). Where that folder is missing the tests skip and say so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apps.geocoding.adapters import AddressQuery, PdokGeocoder, VlaanderenGeocoder, gml_point_to_wgs84

FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "fixtures"


def fixture(name: str) -> dict:
    path = FIXTURES / name
    if not path.is_file():
        pytest.skip(f"contract fixture {path} is not there (it is in CI); skipped")
    return json.loads(path.read_text())


def test_pdok_free_response(fake_server):
    data = fixture("pdok_locatieserver/free_adres_bolstraat_utrecht.json")
    fake_server.routes["/free"] = (200, json.dumps(data), 0)
    found = PdokGeocoder(fake_server.url, 1).geocode(AddressQuery("3581 WS", 1))
    assert (round(found.lon, 5), round(found.lat, 5)) == (5.13288, 52.08884)
    assert (found.street, found.town, found.postcode) == ("Bolstraat", "Utrecht", "3581 WS")


def test_flemish_adresmatch_and_detail_positions(fake_server):
    data = fixture("basisregisters_vlaanderen/adresmatch_v2_bellevue_gent.json")
    fake_server.routes["/v2/adresmatch"] = (200, json.dumps(data), 0)
    found = VlaanderenGeocoder(fake_server.url, 1).geocode(AddressQuery("9050", 5, street="Bellevue"))
    assert found.street == "Bellevue" and found.town == "Gent"
    assert 3.7 < found.lon < 3.8 and 51.0 < found.lat < 51.1  # Gent
    detail = fixture("basisregisters_vlaanderen/adres_detail_v2_sint_jansvest.json")
    lon, lat = gml_point_to_wgs84(detail["adresPositie"]["geometrie"]["gml"])
    assert 3.7 < lon < 3.8 and 51.0 < lat < 51.1
