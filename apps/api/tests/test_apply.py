"""POST /api/v1/applications: the web form's checks over JSON, and nothing stored on refusal."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from apps.applications import services
from apps.applications.models import Application
from apps.audit.models import AuditEvent
from apps.messaging.models import OutgoingMessage
from testkit.world import World, add_member

from .utils import application_json

URL = "/api/v1/applications"


def post(client, body) -> object:
    return client.post(URL, body if isinstance(body, str) else json.dumps(body), content_type="application/json")


def nothing_stored() -> bool:
    return Application.objects.count() == 0 and OutgoingMessage.objects.count() == 0


def test_valid_application_is_stored_without_any_csrf_cookie(world: World):
    client = Client(enforce_csrf_checks=True)
    response = post(client, application_json(World.ADDRESS_A, phone="0470/12.34.56", email="Jan@Example.org"))
    assert response.status_code == 201, response.content
    body = response.json()
    application = Application.objects.get()
    assert body["id"] == application.pk and body["status"] == "submitted"
    prefix = "http://testserver/aanmelding/"
    assert body["status_url"].startswith(prefix)
    assert services.by_access_key(body["status_url"][len(prefix) :].rstrip("/")) == application
    assert (application.group, application.phone, application.email) == (
        world.group_a,
        "+32470123456",
        "jan@example.org",
    )
    assert OutgoingMessage.objects.get().topic == "application.confirm"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.APPLICATION_SUBMITTED).count() == 1


def test_numbers_sent_as_json_numbers_are_accepted(client, world: World):
    response = post(client, application_json(World.ADDRESS_A, postcode=3870, house_number=1))
    assert response.status_code == 201, response.content
    assert Application.objects.get().postcode == "3870"


def test_dutch_group_reads_the_phone_number_the_dutch_way(client, world: World):
    response = post(client, application_json(World.ADDRESS_NL, group="grensstad-centrum", phone="06 12345678"))
    assert response.status_code == 201, response.content
    assert Application.objects.get().phone == "+31612345678"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"full_name": "Jan"}, "full_name"),
        ({"phone": "12"}, "phone"),
        ({"phone": "+49 151 23456789"}, "phone"),
        ({"email": "not-an-e-mail"}, "email"),
        ({"postcode": "ABCD"}, "postcode"),
        ({"birth_date": "2015-01-01"}, "birth_date"),  # too young
        ({"birth_date": "1960-02-30"}, "birth_date"),  # no such day
        ({"birth_date": "17-05-1960"}, "birth_date"),  # not YYYY-MM-DD
        ({"accept_house_rules": False}, "accept_house_rules"),
        ({"house_rules_version": 2}, "accept_house_rules"),  # not the version in force
        ({"house_rules_version": "one"}, "house_rules_version"),
        ({"house_number": "999"}, "house_number"),  # not in the address register
        ({"postcode": "9999"}, "postcode"),  # not in the address register
        ({"group": "no-such-group"}, "group"),
        ({"full_name": None}, "full_name"),
    ],
)
def test_each_bad_input_is_refused_on_its_field_and_nothing_is_stored(client, world: World, overrides, field):
    response = post(client, application_json(World.ADDRESS_A, **overrides))
    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert nothing_stored()


@pytest.mark.parametrize("field", ["group", "full_name", "phone", "birth_date", "accept_house_rules"])
def test_missing_field_is_named(client, world: World, field):
    body = application_json(World.ADDRESS_A)
    del body[field]
    response = post(client, body)
    assert response.status_code == 400
    assert response.json()["errors"] == {field: [response.json()["errors"][field][0]]}
    assert nothing_stored()


def test_address_in_another_groups_area_names_the_right_group(client, world: World):
    response = post(client, application_json(World.ADDRESS_B))
    assert response.status_code == 400
    body = response.json()
    assert "postcode" in body["errors"]
    assert body["right_group"] == {"slug": "testdorp-zuid", "name": "Testdorp Zuid"}
    assert nothing_stored()


def test_address_no_group_covers_has_no_right_group(client, world: World):
    response = post(client, application_json(World.ADDRESS_NONE))
    assert response.status_code == 400
    assert "postcode" in response.json()["errors"] and "right_group" not in response.json()
    assert nothing_stored()


def test_closed_group_is_refused(client, world: World):
    world.group_a.status = "closed"
    world.group_a.save()
    response = post(client, application_json(World.ADDRESS_A))
    assert response.status_code == 400 and "group" in response.json()["errors"]
    assert nothing_stored()


def test_same_body_twice_is_refused_the_second_time(client, world: World):
    body = application_json(World.ADDRESS_A)
    assert post(client, body).status_code == 201
    second = post(client, body)
    assert second.status_code == 400 and "phone" in second.json()["errors"]
    assert Application.objects.count() == 1 and OutgoingMessage.objects.count() == 1


def test_current_member_cannot_apply(client, world: World):
    add_member(world.group_a, 1, phone="+32470123456")
    response = post(client, application_json(World.ADDRESS_A))
    assert response.status_code == 400 and "phone" in response.json()["errors"]
    assert nothing_stored()


def test_filled_in_spam_trap_is_refused(client, world: World):
    response = post(client, application_json(World.ADDRESS_A, website="http://spam.example"))
    assert response.status_code == 400 and "website" in response.json()["errors"]
    assert nothing_stored()


@pytest.mark.parametrize("raw", ["{not json", "", "[1, 2]", '"text"', "\xff"])
def test_body_that_is_not_a_json_object_is_refused_clearly(client, world: World, raw):
    response = client.post(
        URL, raw.encode("latin-1"), content_type="application/json", headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    messages = response.json()["errors"]["__all__"]
    assert any("JSON" in m for m in messages), messages
    assert nothing_stored()


def test_too_many_applications_from_one_address_answer_429_and_store_nothing(client, world: World, settings):
    settings.BUURTWACHT_APPLICATION_RATE = "2/h"
    assert post(client, application_json(World.ADDRESS_A)).status_code == 201
    assert post(client, "{not json").status_code == 400  # a refused send counts only against the loose limit
    second = application_json(World.ADDRESS_B, group="testdorp-zuid", phone="0470 99 88 77")
    assert post(client, second).status_code == 201
    response = post(client, application_json(World.ADDRESS_A, phone="0470 11 22 33", email="x@example.org"))
    assert response.status_code == 429
    assert response.json()["detail"] and int(response["Retry-After"]) > 0
    assert Application.objects.count() == 2 and OutgoingMessage.objects.count() == 2
    # Another address is not affected.
    other = client.post(
        URL,
        json.dumps(application_json(World.ADDRESS_A, phone="0470 11 22 33", email="x@example.org")),
        content_type="application/json",
        REMOTE_ADDR="192.0.2.7",
    )
    assert other.status_code == 201


def test_refused_sends_count_loosely_and_apart_from_accepted_ones(client, world: World, settings):
    # An information evening on shared Wi-Fi: typing errors of several people do not use up
    # the accepted applications, but a script trying addresses meets the looser limit.
    settings.BUURTWACHT_APPLICATION_RATE = "2/h"
    settings.BUURTWACHT_FORM_ERROR_RATE = "3/h"
    assert post(client, "{not json").status_code == 400
    assert post(client, {**application_json(World.ADDRESS_A), "birth_date": "yesterday"}).status_code == 400
    assert post(client, application_json(World.ADDRESS_A)).status_code == 201
    assert post(client, application_json(World.ADDRESS_NONE, phone="0470 55 44 33")).status_code == 400
    response = post(client, application_json(World.ADDRESS_B, group="testdorp-zuid", phone="0470 99 88 77"))
    assert response.status_code == 429 and Application.objects.count() == 1


def test_one_phone_number_applies_a_limited_number_of_times(client, world: World, settings):
    settings.BUURTWACHT_APPLICATION_PHONE_RATE = "1/d"
    assert post(client, application_json(World.ADDRESS_A)).status_code == 201
    response = client.post(
        URL,
        json.dumps(application_json(World.ADDRESS_B, group="testdorp-zuid")),  # the same phone number
        content_type="application/json",
        REMOTE_ADDR="192.0.2.8",
    )
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert Application.objects.count() == 1
