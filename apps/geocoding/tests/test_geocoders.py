"""Geocoders per municipality, against a fake server on 127.0.0.1 that answers in the shapes of
PDOK's Locatieserver and the Flemish address register; failures fall back to the register."""

from __future__ import annotations

import json
import time

import pytest

from apps.geocoding import services
from apps.geocoding.adapters import (
    AddressQuery,
    GeocoderUnavailable,
    PdokGeocoder,
    VlaanderenGeocoder,
    gml_point_to_wgs84,
)
from apps.geocoding.models import GeocoderChoice

# Written for these tests in the shape of PDOK Locatieserver v3_1 /free (a Solr response).
PDOK_MARKT = {
    "response": {
        "numFound": 2,
        "start": 0,
        "maxScore": 20.1,
        "docs": [
            {
                "type": "adres",
                "weergavenaam": "Markt 10A, 6211AB Grensstad",
                "straatnaam": "Markt",
                "huisnummer": 10,
                "huis_nlt": "10A",
                "postcode": "6211AB",
                "woonplaatsnaam": "Grensstad",
                "centroide_ll": "POINT(5.6912 50.8512)",
                "centroide_rd": "POINT(176000.1 317000.2)",
                "id": "adr-test-10a",
                "score": 20.1,
            },
            {
                "type": "adres",
                "weergavenaam": "Markt 10, 6211AB Grensstad",
                "straatnaam": "Markt",
                "huisnummer": 10,
                "huis_nlt": "10",
                "postcode": "6211AB",
                "woonplaatsnaam": "Grensstad",
                "centroide_ll": "POINT(5.6911 50.8511)",
                "id": "adr-test-10",
                "score": 19.9,
            },
        ],
    }
}
PDOK_ERROR = {"error": {"metadata": ["error-class", "x"], "msg": "Verplichte parameter ontbreekt", "code": 400}}


def flemish_match(number="1", score=100.0, srs="31370", pos="220500.0 163600.0", bus=None):
    match = {
        "@type": "Adres",
        "identificator": {
            "id": "https://data.vlaanderen.be/id/adres/1",
            "objectId": "1",
            "versieId": "2024-01-01T00:00:00+01:00",
        },
        "gemeente": {"objectId": "73999", "gemeentenaam": {"geografischeNaam": {"spelling": "Testdorp", "taal": "nl"}}},
        "postinfo": {"objectId": "3870"},
        "straatnaam": {"objectId": "7", "straatnaam": {"geografischeNaam": {"spelling": "Noordstraat", "taal": "nl"}}},
        "huisnummer": number,
        "volledigAdres": {"geografischeNaam": {"spelling": f"Noordstraat {number}, 3870 Testdorp", "taal": "nl"}},
        "adresPositie": {
            "geometrie": {
                "type": "Point",
                "gml": f'<gml:Point srsName="https://www.opengis.net/def/crs/EPSG/0/{srs}" '
                f'xmlns:gml="http://www.opengis.net/gml/3.2"><gml:pos>{pos}</gml:pos></gml:Point>',
            },
            "positieGeometrieMethode": "aangeduidDoorBeheerder",
            "positieSpecificatie": "gebouweenheid",
        },
        "adresStatus": "inGebruik",
        "score": score,
    }
    if bus:
        match["busnummer"] = bus
    return match


def test_pdok_shape_is_read(fake_server):
    fake_server.routes["/free"] = (200, json.dumps(PDOK_MARKT), 0)
    pdok = PdokGeocoder(fake_server.url, 1)
    found = pdok.geocode(AddressQuery("6211 AB", 10))
    assert (found.lon, found.lat, found.house_number, found.postcode) == (5.6911, 50.8511, "10", "6211 AB")
    assert pdok.geocode(AddressQuery("6211 AB", 10, "A")).lon == 5.6912
    assert pdok.geocode(AddressQuery("6211 AB", 10, "Z")) is None
    assert "postcode%3A6211AB" in fake_server.requests[0] and "type%3Aadres" in fake_server.requests[0]
    fake_server.routes["/free"] = (400, json.dumps(PDOK_ERROR), 0)
    with pytest.raises(GeocoderUnavailable):
        pdok.geocode(AddressQuery("6211 AB", 10))


def test_flemish_shape_is_read_in_lambert_72_and_2008(fake_server):
    vl = VlaanderenGeocoder(fake_server.url, 1)
    fake_server.routes["/v2/adresmatch"] = (
        200,
        json.dumps({"adresMatches": [flemish_match(score=70.0), flemish_match(), {"score": 50, "gemeente": {}}]}),
        0,
    )
    found = vl.geocode(AddressQuery("3870", 1, street="Noordstraat"))
    assert 5.2 < found.lon < 5.4 and 50.7 < found.lat < 50.8
    assert (found.street, found.town, found.postcode) == ("Noordstraat", "Testdorp", "3870")
    assert "straatnaam=Noordstraat" in fake_server.requests[-1]
    # The same place in Lambert 2008 (EPSG:3812) comes out within a metre or two.
    x, y = 720_500.0, 663_600.0
    lon72, lat72 = gml_point_to_wgs84(flemish_match()["adresPositie"]["geometrie"]["gml"])
    lon08, lat08 = gml_point_to_wgs84(flemish_match(srs="3812", pos=f"{x} {y}")["adresPositie"]["geometrie"]["gml"])
    assert abs(lon72 - lon08) < 0.001 and abs(lat72 - lat08) < 0.001
    with pytest.raises(GeocoderUnavailable):
        gml_point_to_wgs84(flemish_match(srs="2154")["adresPositie"]["geometrie"]["gml"])
    fake_server.routes["/v2/adresmatch"] = (200, json.dumps({"adresMatches": []}), 0)
    assert vl.geocode(AddressQuery("3870", 1)) is None


@pytest.mark.parametrize(
    ("route", "why"),
    [
        ((500, "{}", 0), "server error"),
        ((200, "<html>not json</html>", 0), "not JSON"),
        (
            (200, json.dumps({"response": {"docs": [{"type": "adres", "postcode": "6211AB", "huisnummer": 10}]}}), 0),
            "no point",
        ),
        ((200, json.dumps(PDOK_MARKT), 1.0), "slow"),
    ],
)
def test_a_failing_or_slow_geocoder_falls_back_to_the_register(world, fake_server, settings, route, why):
    settings.BUURTWACHT_PDOK_URL = fake_server.url
    settings.BUURTWACHT_GEOCODER_TIMEOUT = 0.3
    GeocoderChoice.objects.create(municipality=world.grensstad, kind=GeocoderChoice.Kind.PDOK)
    fake_server.routes["/free"] = route
    started = time.monotonic()
    found = services.geocode("6211 AB", 10, municipality=world.grensstad)
    assert time.monotonic() - started < 1.5, why
    assert found.source == "register" and (found.lon, found.lat) == (5.69, 50.85)


def test_an_unreachable_geocoder_falls_back(world, settings):
    settings.BUURTWACHT_VLAANDEREN_URL = "http://127.0.0.1:9"  # discard port: nothing listens
    GeocoderChoice.objects.create(municipality=world.testdorp, kind=GeocoderChoice.Kind.VLAANDEREN)
    assert services.geocode("3870", 1, municipality=world.testdorp).source == "register"


def test_chosen_per_municipality(world, fake_server, settings):
    settings.BUURTWACHT_PDOK_URL = fake_server.url
    fake_server.routes["/free"] = (200, json.dumps(PDOK_MARKT), 0)
    assert services.geocode("6211 AB", 10, municipality=world.grensstad).source == "register"  # the default
    GeocoderChoice.objects.create(municipality=world.grensstad, kind=GeocoderChoice.Kind.PDOK)
    assert services.geocode("6211 AB", 10, municipality=world.grensstad).source == "pdok"
    assert services.geocode("3870", 1, municipality=world.testdorp).source == "register"
    assert services.geocode("9999", 1) is None
