"""Starting a group: street names are carried whole, and an address the register does not know is
no dead end: the resident chooses their municipality and the coordinator gets the request."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from apps.groups.models import GroupRequest
from apps.messaging.models import OutgoingMessage
from apps.municipalities.models import Municipality
from testkit.world import World

from .helpers import nothing_stored, says
from .test_start_group import request_data

START = reverse("public:start_group")


@pytest.mark.parametrize("street", ["Hoevestraat", "Burgemeester Van Der Elstlaan-Oost en Sint-Jan-Baptistplein"])
def test_the_street_from_the_search_result_is_carried_whole(client, world: World, street):
    html = client.get(START, {"postcode": "3871", "house_number": "5", "street": street}).content.decode()
    assert f'name="street" value="{street}"' in html


def test_a_street_longer_than_the_field_is_cut_to_the_fields_length(client, world: World):
    html = client.get(START, {"street": "x" * 300, "postcode": "3871 ABCDEFGHIJ"}).content.decode()
    assert f'name="street" value="{"x" * 160}"' in html
    assert 'name="postcode" value="3871 ABCDE"' in html


def test_an_unknown_postcode_offers_the_municipalities(client, world: World):
    with nothing_stored():
        response = client.post(START, request_data(postcode="3680", house_number="12", street="Hoevestraat"))
    assert response.status_code == 200
    html = response.content.decode()
    assert says(html, "We do not know postcode %(postcode)s.", postcode="3680")
    assert 'id="id_municipality"' in html and 'href="#id_municipality"' in html
    assert says(
        html,
        "We cannot find this address in our register. Check it, or choose your municipality "
        "and send the request anyway.",
    )
    # Nothing is chosen for the resident: the register does not know this postcode.
    assert response.context["form"]["municipality"].value() in (None, "")


def test_the_resident_chooses_the_municipality_and_the_coordinator_gets_the_request(client, world: World):
    data = request_data(postcode="3680", house_number="12", street="  Hoevestraat ", municipality=world.testdorp.pk)
    response = client.post(START, data)
    assert response.status_code == 302
    request = GroupRequest.objects.get()
    assert request.municipality == world.testdorp
    assert (request.postcode, request.house_number, request.street) == ("3680", "12", "Hoevestraat")
    assert request.lat is None and request.lon is None
    assert OutgoingMessage.objects.filter(topic="group_request.new", recipient=world.coordinator.email).exists()

    # The coordinator sees the request, and that the address was not in the register.
    client.force_login(world.coordinator)
    page = client.get(reverse("staff:group_request_detail", args=[request.pk])).content.decode()
    assert "Hoevestraat 12, 3680" in page
    assert says(page, "Not in the address register: the resident chose this municipality.")


def test_an_unknown_house_number_preselects_the_postcodes_municipality(client, world: World):
    with nothing_stored():
        response = client.post(START, request_data(house_number="77", street="Veldweg"))
    assert response.context["form"]["municipality"].value() == str(world.testdorp.pk)
    response = client.post(START, request_data(house_number="77", street="Veldweg", municipality=world.testdorp.pk))
    assert response.status_code == 302
    assert GroupRequest.objects.get().house_number == "77"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"street": ""}, "street", "Enter your street: your address is not in our register."),
        ({"municipality": "999999"}, "municipality", "Choose your municipality from the list."),
        ({"municipality": "grensstad"}, "municipality", None),
        ({"postcode": "36800"}, "postcode", "Enter a postcode like 3870 (Belgium) or 6162 AB (the Netherlands)."),
        ({"postcode": "6211 SS"}, "postcode", None),
    ],
)
def test_bad_input_outside_the_register_changes_nothing(client, world: World, overrides, field, message):
    data = request_data(postcode="3680", house_number="12", street="Hoevestraat", municipality=world.testdorp.pk)
    if overrides.get("municipality") == "grensstad":
        overrides = {"municipality": world.grensstad.pk}
        message = ("%(municipality)s is not in the same country as postcode %(postcode)s. Check both.",)
    data.update(overrides)
    with nothing_stored():
        response = client.post(START, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    if isinstance(message, tuple):
        assert says(html, message[0], municipality="Grensstad", postcode="3680")
    elif message:
        assert says(html, message)


def test_a_known_address_ignores_a_chosen_municipality(client, world: World):
    other = Municipality.objects.create(name="Elders", slug="elders", country="BE", code="70000")
    response = client.post(START, request_data(municipality=other.pk))
    assert response.status_code == 302
    assert GroupRequest.objects.get().municipality == world.testdorp


def test_the_street_is_not_called_optional_once_it_is_needed(client, world: World):
    label = re.compile(r'<label for="id_street">([^<]*)(<span class="optional">[^<]*</span>)?</label>')
    first = label.search(client.get(START).content.decode())
    assert first and first.group(2)  # optional while the register may know the address
    with nothing_stored():
        response = client.post(START, request_data(postcode="3680", house_number="12", street=""))
    shown = label.search(response.content.decode())
    assert shown and shown.group(2) is None
