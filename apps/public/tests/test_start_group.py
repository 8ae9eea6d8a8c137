"""Asking the municipality to start a group where none covers the address."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from apps.groups.models import GroupRequest
from apps.messaging.models import OutgoingMessage
from testkit.world import World

from .helpers import nothing_stored, says

START = reverse("public:start_group")


def request_data(**overrides) -> dict:
    data = {
        "full_name": "Els Jacobs",
        "email": "Els.Jacobs@example.org",
        "phone": "0470 99 88 77",
        "postcode": "3871",
        "house_number": "5",
        "addition": "",
        "wants_to_be_admin": "on",
        "message": "Onze straat wil graag een groep.",
        "website": "",
    }
    data.update(overrides)
    return data


def test_form_is_prefilled_from_the_search_result(client, world: World):
    html = client.get(START, {"postcode": "3871", "house_number": "5"}).content.decode()
    assert 'name="postcode" value="3871"' in html
    assert re.search(r'name="house_number" value="5"', html)
    for name in ("full_name", "email", "phone", "postcode", "house_number", "wants_to_be_admin", "message"):
        assert f'<label for="id_{name}">' in html


def test_request_is_stored_for_the_municipality_of_the_address(client, world: World):
    response = client.post(START, request_data())
    assert response.status_code == 302 and response["Location"] == reverse("public:start_group_sent")
    request = GroupRequest.objects.get()
    assert request.municipality == world.testdorp
    assert (request.postcode, request.house_number, request.street) == ("3871", "5", "Veldweg")
    assert (request.lat, request.lon) == (50.70, 5.40)
    assert request.email == "els.jacobs@example.org" and request.phone == "+32470998877"
    assert request.wants_to_be_admin is True and request.message == "Onze straat wil graag een groep."
    assert OutgoingMessage.objects.filter(topic="group_request.received", recipient="els.jacobs@example.org").exists()
    assert OutgoingMessage.objects.filter(topic="group_request.new", recipient=world.coordinator.email).exists()

    html = client.get(response["Location"]).content.decode()
    assert "Testdorp" in html and "els.jacobs@example.org" in html


def test_dutch_address_reads_a_national_number_as_dutch(client, world: World, settings):
    # Grensstad's only address is covered; its group closing leaves it uncovered.
    world.group_nl.status = "closed"
    world.group_nl.save()
    response = client.post(START, request_data(postcode="6211ab", house_number="10", phone="06 12345678"))
    assert response.status_code == 302
    request = GroupRequest.objects.get()
    assert request.municipality == world.grensstad and request.phone == "+31612345678"
    assert request.postcode == "6211 AB"


def test_address_already_covered_links_to_its_group(client, world: World):
    with nothing_stored():
        response = client.post(START, request_data(postcode="3870", house_number="1"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Testdorp Noord" in html
    assert reverse("public:apply", args=["testdorp-noord"]) + "?postcode=3870&amp;house_number=1" in html


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"postcode": "9999"}, "postcode", ("We do not know postcode %(postcode)s.", {"postcode": "9999"})),
        (
            {"house_number": "77"},
            "house_number",
            ("House number %(number)s is not in postcode %(postcode)s.", {"number": "77", "postcode": "3871"}),
        ),
        ({"postcode": "ab"}, "postcode", "Enter a postcode like 3870 (Belgium) or 6162 AB (the Netherlands)."),
        ({"house_number": ""}, "house_number", "Enter your house number."),
        ({"full_name": "Els"}, "full_name", "Enter your first name and last name."),
        ({"email": ""}, "email", "Enter your e-mail address."),
        ({"email": "els@"}, "email", "Enter an e-mail address like name@example.org."),
        ({"phone": ""}, "phone", "Enter your mobile phone number."),
        ({"phone": "011 12 34 56"}, "phone", "This is a landline number. WhatsApp needs a mobile number."),
        ({"message": "x" * 2001}, "message", None),
    ],
)
def test_bad_input_gets_a_message_and_nothing_is_stored(client, world: World, overrides, field, message):
    with nothing_stored():
        response = client.post(START, request_data(**overrides))
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html and f'href="#id_{field}"' in html
    if isinstance(message, tuple):
        assert says(html, message[0], **message[1])
    elif message:
        assert says(html, message)


def test_address_without_municipality_is_refused(client, world: World):
    from apps.addresses.models import Address

    Address.objects.filter(postcode="3871").update(municipality=None)
    with nothing_stored():
        response = client.post(START, request_data())
    html = response.content.decode()
    assert 'id="id_postcode_error"' in html
    assert says(html, "We cannot tell which municipality this address belongs to. Contact your municipality directly.")


def test_honeypot_stores_nothing(client, world: World):
    with nothing_stored():
        response = client.post(START, request_data(website="http://spam.example"))
    assert response.status_code == 200
    html = response.content.decode()
    assert says(html, "This form could not be sent. Please try again.")
    assert "spam.example" not in html
