"""Where an incident happened, from what people know: an address checked against the register,
a pin on the map, or (for one's own group) the group's area. Every place leaves the incident
in an area or with a point, so it can be passed on."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from apps.addresses.models import Address
from apps.areas import neighbours
from apps.audit.models import AuditEvent
from apps.incidents import services
from apps.incidents.forms import IncidentForm
from apps.incidents.models import Incident
from apps.incidents.places import parse_free_text
from apps.relays import services as relays
from testkit.world import World

from .helpers import incident_data

NO_POINT = {"lat": None, "lon": None, "address": ""}


def record(world: World, actor=None, **overrides):
    actor = actor or world.admin_a
    overrides.setdefault("group", world.group_a.pk if actor == world.admin_a else None)
    return services.create_incident(actor=actor, data=incident_data(**{**NO_POINT, **overrides}))


def refused(world: World, actor=None, **overrides) -> dict:
    with pytest.raises(ValidationError) as caught:
        record(world, actor, **overrides)
    assert not Incident.objects.exists()
    assert not AuditEvent.objects.filter(action="incident.reported").exists()
    return caught.value.message_dict


def add_address(world: World, street: str, number: int, postcode: str = "3870", lon=5.305, lat=50.757):
    return Address.objects.create(
        country="BE",
        postcode=postcode,
        house_number=number,
        street=street,
        town="Testdorp",
        lon=lon,
        lat=lat,
        municipality=world.testdorp,
    )


def test_a_typed_address_gives_the_point_and_the_area(world: World):
    incident = record(world, street="Noordstraat", house_number="1", postcode="3870")
    assert (incident.lat, incident.lon) == (50.755, 5.31)
    assert incident.area == world.group_a.area
    assert incident.address == "Noordstraat 1, 3870 Testdorp"


def test_street_and_number_are_enough_within_the_groups_municipality(world: World):
    incident = record(world, street="noordstraat ", house_number="1")
    assert incident.area == world.group_a.area and incident.lat == 50.755


def test_a_one_line_address_without_a_point_is_looked_up(world: World):
    """The issue: 'Meidoornstraat 5' typed as the place gave an incident in no area."""
    incident = record(world, actor=world.admin_b, address="Zuidstraat 2")
    assert incident.area == world.group_b.area and (incident.lat, incident.lon) == (50.745, 5.31)
    assert incident.address == "Zuidstraat 2, 3870 Testdorp"


def test_a_one_line_address_with_the_postcode(world: World):
    incident = record(world, actor=world.police, address="Noordstraat 1, 3870 Testdorp")
    assert incident.area == world.group_a.area and incident.municipality == world.testdorp


def test_a_coordinator_without_a_group_is_looked_up_in_their_municipality(world: World):
    incident = record(world, actor=world.coordinator, street="Zuidstraat", house_number="2A")
    assert incident.municipality == world.testdorp and incident.area == world.group_b.area
    assert incident.lon == 5.3101


def test_an_unknown_one_line_address_is_refused_on_its_field(world: World):
    errors = refused(world, address="Meidoornstraat 5")
    assert "Meidoornstraat 5" in " ".join(errors["address"])


def test_a_place_that_is_no_address_needs_a_pin_or_an_address(world: World):
    errors = refused(world, address="achter de kerk")
    assert "street and house number" in " ".join(errors["address"])


def test_the_description_of_a_place_is_kept_with_the_address(world: World):
    incident = record(world, street="Noordstraat", house_number="1", address="achter de kerk")
    assert incident.address == "Noordstraat 1, 3870 Testdorp (achter de kerk)"


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        ({"street": "Meidoornstraat", "house_number": "5"}, "street"),
        ({"street": "Noordstraat", "house_number": ""}, "house_number"),
        ({"street": "Noordstraat", "house_number": "1", "postcode": "9999"}, "postcode"),
        ({"street": "Noordstraat", "house_number": "77", "postcode": "3870"}, "house_number"),
        ({"street": "Noordstraat", "house_number": "één"}, "house_number"),
        ({"house_number": "1"}, "street"),
    ],
)
def test_an_address_not_in_the_register_is_refused_per_field(world: World, typed, field):
    errors = refused(world, **typed)
    assert field in errors


def test_which_street_when_the_number_is_in_several_streets_of_the_postcode(world: World):
    add_address(world, "Kerkstraat", 1)
    form = IncidentForm(
        incident_data(**NO_POINT, group=world.group_a.pk, postcode="3870", house_number="1"), user=world.admin_a
    )
    assert not form.is_valid()
    assert "Kerkstraat, Noordstraat" in " ".join(form.errors["street"])
    assert form.street_choices == ["Kerkstraat", "Noordstraat"]
    incident = record(world, postcode="3870", house_number="1", street="Kerkstraat")
    assert (incident.lat, incident.lon) == (50.757, 5.305)


def test_which_postcode_when_the_street_is_in_two(world: World):
    # Just east of Testdorp Noord, in no area: within the admin's 500 m.
    add_address(world, "Noordstraat", 1, postcode="3871", lon=5.3225, lat=50.758)
    errors = refused(world, street="Noordstraat", house_number="1")
    assert "3870, 3871" in " ".join(errors["postcode"])
    assert record(world, street="Noordstraat", house_number="1", postcode="3871").area is None


def test_no_place_for_ones_own_group_gives_the_groups_area_and_it_can_be_relayed(world: World):
    neighbours.recompute()
    incident = record(world)
    assert incident.area == world.group_a.area and not incident.has_point
    plan = relays.preview(incident, scope="neighbours", sender=world.admin_a)
    assert world.group_b in plan.groups


def test_no_place_and_no_group_is_refused(world: World):
    errors = refused(world, actor=world.coordinator, group=None, municipality=world.testdorp.pk)
    assert "address" in errors


def test_a_pin_near_the_address_marks_the_exact_spot(world: World):
    incident = record(world, street="Noordstraat", house_number="1", lat=50.7555, lon=5.3105)
    assert (incident.lat, incident.lon) == (50.7555, 5.3105)


def test_a_pin_far_from_the_address_gives_way_to_the_address(world: World):
    """A pin left at one's own location does not move an incident reported at another address."""
    incident = record(world, actor=world.admin_b, street="Zuidstraat", house_number="2", lat=50.755, lon=5.31)
    assert (incident.lat, incident.lon) == (50.745, 5.31) and incident.area == world.group_b.area


def test_a_pin_alone_still_places_the_incident(world: World):
    incident = record(world, actor=world.admin_b, lat=50.745, lon=5.31, address="bij het speelplein")
    assert incident.area == world.group_b.area and incident.address == "bij het speelplein"


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("Meidoornstraat 5", {"street": "Meidoornstraat", "house_number": "5", "postcode": ""}),
        ("Noordstraat 1A, 3870 Testdorp", {"street": "Noordstraat", "house_number": "1A", "postcode": "3870"}),
        ("Markt 10, 6211 AB Grensstad", {"street": "Markt", "house_number": "10", "postcode": "6211 AB"}),
        ("Sint-Jansstraat 12 b", {"street": "Sint-Jansstraat", "house_number": "12b", "postcode": ""}),
        ("achter de kerk", None),
        ("12", None),
    ],
)
def test_one_line_addresses_are_read_as_people_write_them(text, parsed):
    assert parse_free_text(text) == parsed
