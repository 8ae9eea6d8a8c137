"""Address lookups of a municipality that chose an outside geocoder: it is asked first, its
answer is kept in the register, and when it fails the register answers."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.addresses.models import Address
from apps.geocoding import services
from apps.geocoding.models import GeocoderChoice
from apps.groups.lookup import lookup_address

from .test_geocoders import PDOK_MARKT


@pytest.fixture
def pdok(world, fake_server, settings):
    settings.BUURTWACHT_PDOK_URL = fake_server.url
    GeocoderChoice.objects.create(municipality=world.grensstad, kind=GeocoderChoice.Kind.PDOK)
    services.forget_choices()
    yield fake_server
    services.forget_choices()


def test_outside_geocoder_finds_what_the_register_lacks_and_the_register_keeps_it(world, pdok):
    pdok.routes["/free"] = (200, json.dumps(PDOK_MARKT), 0)
    assert not Address.objects.filter(postcode="6211 AB", house_number=10, addition="A").exists()
    found = lookup_address("6211ab", "10", "a")
    assert found.group == world.group_nl
    kept = Address.objects.get(postcode="6211 AB", house_number=10, addition="A")
    assert (kept.street, kept.municipality, kept.lon, kept.lat) == ("Markt", world.grensstad, 5.6912, 50.8512)
    assert len(pdok.requests) == 1


def test_failing_outside_geocoder_leaves_the_register_to_answer(world, pdok):
    pdok.routes["/free"] = (503, "{}", 0)
    assert lookup_address("6211 AB", "10").group == world.group_nl  # in the register
    with pytest.raises(ValidationError) as excinfo:
        lookup_address("6211 AB", "11")  # in neither
    assert "house_number" in excinfo.value.message_dict


def test_without_outside_geocoders_a_lookup_costs_no_extra_query(world):
    services.forget_choices()
    lookup_address("3870", "1")  # reads the (empty) choices once
    with CaptureQueriesContext(connection) as with_cache:
        lookup_address("3870", "1")
    assert not any("geocoding" in q["sql"] for q in with_cache.captured_queries)
