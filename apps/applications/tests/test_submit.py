"""Submitting an application: every check, and nothing stored when one fails."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from apps.applications import services
from apps.applications.forms import ApplicationForm
from apps.applications.models import Application
from apps.messaging.models import OutgoingMessage
from testkit.world import World, add_member, application_data

TODAY = dt.date(2026, 11, 21)


def clean(data: dict, country: str = "BE", today: dt.date = TODAY) -> ApplicationForm:
    form = ApplicationForm(data, country=country, today=today)
    form.is_valid()
    return form


def submit(world, data, group=None):
    form = clean(data)
    assert form.is_valid(), form.errors
    return services.submit(group or world.group_a, form.cleaned_data)


def nothing_stored():
    return Application.objects.count() == 0 and OutgoingMessage.objects.count() == 0


def test_valid_application_is_stored_with_normalised_fields_and_confirmation_mail(world: World):
    result = submit(world, application_data(World.ADDRESS_A, phone="0470/12.34.56", email="Jan@Example.org "))
    app = result.application
    assert app.status == Application.Status.SUBMITTED
    assert app.phone == "+32470123456"
    assert app.email == "jan@example.org"
    assert app.house_rules_version.version == 1 and app.house_rules_accepted_at is not None
    assert (app.lon, app.lat) == (5.31, 50.755)
    assert services.by_access_key(result.access_key) == app
    mail = OutgoingMessage.objects.get()
    assert mail.recipient == "jan@example.org" and mail.topic == "application.confirm"
    assert "/aanmelding/bevestigen/" in mail.body and result.access_key in mail.body


@pytest.mark.parametrize(
    ("birth_date", "ok"),
    [
        ("2008-11-21", True),  # 18 today
        ("2008-11-22", False),  # 18 tomorrow
        ("1899-12-31", False),  # over 120 years ago: a typo
        ("2027-01-01", False),  # future
    ],
)
def test_minimum_age_on_the_day(birth_date, ok):
    form = clean(application_data(birth_date=birth_date))
    assert ("birth_date" not in form.errors) is ok


def test_leap_day_birthday_comes_of_age_on_first_of_march():
    data = application_data(birth_date="2008-02-29")
    assert "birth_date" in clean(data, today=dt.date(2026, 2, 28)).errors
    assert "birth_date" not in clean(data, today=dt.date(2026, 3, 1)).errors
    # typed the Belgian/Dutch way, day first
    assert "birth_date" not in clean(application_data(birth_date="29-02-2008"), today=dt.date(2026, 3, 1)).errors
    assert "birth_date" in clean(application_data(birth_date="29-02-2007")).errors  # no such day


@pytest.mark.parametrize(
    ("phone", "country", "expected"),
    [
        ("0470 12 34 56", "BE", "+32470123456"),
        ("+32 470 12 34 56", "NL", "+32470123456"),
        ("0032470123456", "BE", "+32470123456"),
        ("06 12345678", "NL", "+31612345678"),
        ("06-12345678", "BE", "+31612345678"),  # Dutch mobile typed in a Belgian border town
        ("+31 6 1234 5678", "BE", "+31612345678"),
    ],
)
def test_mobile_numbers_of_both_countries_are_accepted(phone, country, expected):
    form = clean(application_data(phone=phone), country=country)
    assert form.errors.get("phone") is None
    assert form.cleaned_data["phone"] == expected


@pytest.mark.parametrize(
    "phone",
    ["", "12", "011 12 34 56", "+49 151 23456789", "+32 11 12 34 56", "not a number", "0470 12 34 5"],
)
def test_bad_phone_numbers_are_refused(phone):
    assert "phone" in clean(application_data(phone=phone)).errors


@pytest.mark.parametrize("postcode", ["", "387", "38700", "0870", "6162 SA", "ABCD", "6162-AB1"])
def test_malformed_postcodes_are_refused(postcode):
    assert "postcode" in clean(application_data(postcode=postcode)).errors


@pytest.mark.parametrize(("raw", "expected"), [("6162ab", "6162 AB"), (" 6162  Ab ", "6162 AB"), ("3870", "3870")])
def test_postcodes_are_normalised(raw, expected):
    assert clean(application_data(postcode=raw)).cleaned_data["postcode"] == expected


def test_rules_must_be_accepted_and_honeypot_empty():
    data = application_data()
    del data["accept_house_rules"]
    assert "accept_house_rules" in clean(data).errors
    form = clean(application_data(website="http://spam.example"))
    assert form.is_spam


def test_name_needs_first_and_last_name():
    assert "full_name" in clean(application_data(full_name="Jan")).errors


def test_address_outside_the_group_points_to_the_right_group(world: World):
    form = clean(application_data(World.ADDRESS_B))
    with pytest.raises(services.WrongArea) as excinfo:
        services.submit(world.group_a, form.cleaned_data)
    assert excinfo.value.right_group == world.group_b
    assert "Testdorp Zuid" in str(excinfo.value.message_dict["postcode"])
    assert nothing_stored()


def test_address_covered_by_no_group_says_so(world: World):
    form = clean(application_data(World.ADDRESS_NONE))
    with pytest.raises(services.WrongArea) as excinfo:
        services.submit(world.group_a, form.cleaned_data)
    assert excinfo.value.right_group is None
    assert nothing_stored()


def test_unknown_address_is_refused_per_field(world: World):
    with pytest.raises(ValidationError) as excinfo:
        submit(world, application_data(World.ADDRESS_A, house_number="999"))
    assert "house_number" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        submit(world, application_data(World.ADDRESS_A, postcode="9999"))
    assert "postcode" in excinfo.value.message_dict
    assert nothing_stored()


def test_address_on_the_shared_border_belongs_to_both_groups(world: World):
    assert submit(world, application_data(World.ADDRESS_BORDER)).application.group == world.group_a
    other = application_data(World.ADDRESS_BORDER, phone="0470 99 99 99")
    assert submit(world, other, group=world.group_b).application.group == world.group_b


def test_closed_group_takes_no_applications(world: World):
    world.group_a.status = "closed"
    world.group_a.save()
    with pytest.raises(ValidationError):
        submit(world, application_data(World.ADDRESS_A))
    assert nothing_stored()


def test_same_form_sent_twice_is_refused_the_second_time(world: World):
    submit(world, application_data(World.ADDRESS_A))
    with pytest.raises(ValidationError) as excinfo:
        submit(world, application_data(World.ADDRESS_A))
    assert "phone" in excinfo.value.message_dict
    assert Application.objects.count() == 1 and OutgoingMessage.objects.count() == 1


def test_current_member_cannot_apply_again(world: World):
    add_member(world.group_a, 1, phone="+32470123456")
    with pytest.raises(ValidationError) as excinfo:
        submit(world, application_data(World.ADDRESS_A))
    assert "phone" in excinfo.value.message_dict
    assert nothing_stored()


def test_changed_house_rules_are_refused(world: World):
    from apps.municipalities.services import publish_house_rules

    publish_house_rules(world.testdorp, title="Nieuw", text="Nieuwe regels", actor=world.coordinator)
    # Publishing tells the admins; the refused application adds nothing to that.
    messages = OutgoingMessage.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        submit(world, application_data(World.ADDRESS_A))
    assert "accept_house_rules" in excinfo.value.message_dict
    assert Application.objects.count() == 0 and OutgoingMessage.objects.count() == messages


def test_addition_typed_with_the_number_is_kept(world: World):
    result = submit(world, application_data(World.ADDRESS_B, house_number="2a"), group=world.group_b)
    assert result.application.house_number == "2A"
    assert result.application.lon == 5.3101
