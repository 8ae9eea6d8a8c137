"""Registering an existing WhatsApp group and the coordinator's decision
(``apps.groups.registrations``): the checks of the area, the size, the same form twice, the
overlaps with existing groups, accepting and declining, and who may decide."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from apps.areas.models import Area
from apps.audit.models import AuditEvent
from apps.core.actors import PUBLIC
from apps.groups import registrations
from apps.groups.models import Group, GroupAdmin, GroupRegistration
from apps.groups.registration_forms import RegistrationForm
from apps.messaging.models import OutgoingMessage
from testkit.world import World, box

# Over group A (north of 50.75) and group B (south of it), and east of both (5.32 to 5.325).
OVERLAPPING = box(5.315, 50.745, 5.325, 50.755)
# East of Testdorp's groups, touching none.
FREE = box(5.33, 50.745, 5.34, 50.755)
# Far east of every known place of Testdorp.
OUTSIDE = box(5.50, 50.75, 5.51, 50.76)
BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[5.33, 50.745], [5.34, 50.755], [5.34, 50.745], [5.33, 50.755], [5.33, 50.745]]],
}


def form_data(world: World, **overrides) -> dict:
    data = {
        "municipality": str(world.testdorp.pk),
        "group_name": "WhatsApp Buurtpreventie Oost",
        "approximate_size": "45",
        "running_since": "2019-04-01",
        "geometry": json.dumps(FREE),
        "postcode": "",
        "full_name": "Greet Oosterlinck",
        "email": "greet@example.org",
        "phone": "0470 12 34 56",
        "accepts_house_rules": "on",
        "website": "",
    }
    data.update(overrides)
    return data


def submit(world: World, **overrides) -> registrations.Submitted:
    form = RegistrationForm(form_data(world, **overrides))
    assert form.is_valid(), form.errors
    data = form.cleaned_data
    return registrations.submit_registration(
        municipality=data["municipality"],
        group_name=data["group_name"],
        approximate_size=data["approximate_size"],
        running_since=data["running_since"],
        geometry=data["geometry"],
        full_name=data["full_name"],
        email=data["email"],
        phone=data["phone"],
        streets=data["streets"],
    )


def counts() -> tuple:
    return (
        GroupRegistration.objects.count(),
        Group.objects.count(),
        Area.objects.count(),
        GroupAdmin.objects.count(),
        get_user_model().objects.count(),
        OutgoingMessage.objects.count(),
        AuditEvent.objects.count(),
        tuple(GroupRegistration.objects.order_by("pk").values_list("status", "geometry")),
    )


def test_a_registration_is_stored_with_a_hashed_status_link(world):
    with translation.override("fr"):
        submitted = submit(world)
    registration = submitted.registration
    assert submitted.created
    assert registration.status == GroupRegistration.Status.OPEN
    assert registration.phone == "+32470123456"
    assert registration.language == "fr"
    assert registration.house_rules_version == world.testdorp.current_house_rules.version
    assert 700_000 < registration.area_m2 < 800_000
    received = OutgoingMessage.objects.get(topic="group_registration.received")
    assert received.recipient == "greet@example.org" and received.language == "fr"
    key = received.body.split("/groep-aanmelding/")[1].split("/")[0]
    assert key not in json.dumps(list(GroupRegistration.objects.values()), default=str)
    assert registration.key_hash == GroupRegistration.hash_key(key)
    assert registrations.find_registration(key) == registration
    assert OutgoingMessage.objects.filter(topic="group_registration.new", recipient=world.coordinator.email).exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.GROUP_REGISTRATION_SUBMITTED)
    assert event.actor_id is None and event.target_id == str(registration.pk)
    assert event.municipality_id == world.testdorp.pk


def test_the_same_form_twice_makes_one_registration(world):
    first = submit(world)
    before = counts()
    second = submit(world, full_name="Greet  Oosterlinck", group_name=" WhatsApp Buurtpreventie  Oost ")
    assert not second.created and second.registration == first.registration
    assert counts() == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("approximate_size", "0", "between 2 and"),
        ("approximate_size", "5000", "between 2 and"),
        ("approximate_size", "veel", "whole number"),
        ("phone", "12345", ""),
        ("phone", "+33 6 12 34 56 78", ""),
        ("postcode", "38A0", "postcode"),
        ("running_since", "2999-01-01", "future"),
        ("email", "greet@", "e-mail"),
        ("accepts_house_rules", "", "house rules"),
        ("website", "http://spam.example", ""),
        ("municipality", "999999", "from the list"),
    ],
)
def test_bad_fields_are_refused_with_a_message(world, field, value, message):
    with translation.override("en"):
        form = RegistrationForm(form_data(world, **{field: value}))
        assert not form.is_valid()
        assert field in form.errors
        assert message in " ".join(form.errors[field])


@pytest.mark.parametrize(
    ("geometry", "code_text"),
    [
        (BOWTIE, "not valid"),
        (OUTSIDE, "outside Testdorp"),
        (box(5.68, 50.84, 5.70, 50.86), "outside Testdorp"),  # Grensstad's, across the border
        (box(12.0, 50.0, 12.1, 50.1), "outside Belgium and the Netherlands"),
        ({"type": "Point", "coordinates": [5.3, 50.7]}, "Polygon"),
        ("{not json", "not valid GeoJSON"),
    ],
)
def test_bad_areas_are_refused_and_nothing_is_stored(world, geometry, code_text):
    before = counts()
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        submit(world, geometry=geometry if isinstance(geometry, str) else json.dumps(geometry))
    assert code_text in " ".join(caught.value.message_dict["geometry"])
    assert counts() == before


def test_too_many_corners_are_refused(world, monkeypatch):
    monkeypatch.setattr("apps.areas.geometry.MAX_VERTICES", 4)
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        registrations.check_area(world.testdorp, FREE)
    assert "too many points" in " ".join(caught.value.message_dict["geometry"])


def test_without_an_area_or_streets_the_form_asks_for_one(world):
    with translation.override("en"):
        form = RegistrationForm(form_data(world, geometry=""))
        assert not form.is_valid()
        assert "Draw the group's area" in " ".join(form.errors["geometry"])


def test_streets_of_a_postcode_make_the_area_without_a_map(world):
    form = RegistrationForm(form_data(world, geometry="", postcode="3870"))
    assert form.street_choices == ["Grensweg", "Noordstraat", "Zuidstraat"]
    form = RegistrationForm(form_data(world, geometry="", postcode="3870", streets=["Noordstraat", "Zuidstraat"]))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["geometry"]["type"] == "Polygon"
    registration = submit(world, geometry="", postcode="3870", streets=["Noordstraat", "Zuidstraat"]).registration
    assert registration.streets == ["Noordstraat", "Zuidstraat"]
    with translation.override("en"):
        form = RegistrationForm(form_data(world, geometry="", postcode="3870", streets=["Elders"]))
        assert not form.is_valid() and "streets" in form.errors


def test_overlaps_name_the_groups_with_square_metres_and_percent(world):
    registration = submit(world, geometry=json.dumps(OVERLAPPING)).registration
    found = registrations.overlaps(registration)
    by_group = {o.group.pk: o for o in found}
    assert set(by_group) == {world.group_a.pk, world.group_b.pk}
    # Each group holds a quarter of the drawn box: 0.005° x 0.005°, about 352 m x 556 m.
    for overlap in found:
        assert 24.5 <= overlap.percent <= 25.5
        assert 180_000 < overlap.area_m2 < 210_000
    assert registrations.overlaps(submit(world, geometry=json.dumps(FREE), email="x@example.org").registration) == []


def test_a_shared_border_is_no_overlap(world):
    touching = box(5.32, 50.75, 5.33, 50.755)  # east of group A, sharing its edge
    registration = submit(world, geometry=json.dumps(touching)).registration
    assert registrations.overlaps(registration) == []


def test_accepting_creates_area_active_group_and_admin_account(world):
    with translation.override("fr"):
        registration = submit(world).registration
    accepted = registrations.accept(actor=world.coordinator, registration=registration)
    group = accepted.group
    assert accepted.status == GroupRegistration.Status.ACCEPTED and accepted.decided_by == world.coordinator
    assert group.status == Group.Status.ACTIVE and group.municipality == world.testdorp
    assert group.area.geometry == registration.geometry and group.name == "WhatsApp Buurtpreventie Oost"
    user = accepted.admin_user
    assert user.email == "greet@example.org" and user.phone == "+32470123456"
    assert not user.has_usable_password()
    assert GroupAdmin.objects.get(group=group, user=user).role == GroupAdmin.Role.ADMIN
    message = OutgoingMessage.objects.get(topic="group_registration.accepted")
    assert message.recipient == "greet@example.org" and message.language == "fr"
    assert "/account/" in message.body
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        AuditEvent.Action.AREA_SAVED,
        AuditEvent.Action.GROUP_CREATED,
        AuditEvent.Action.USER_INVITED,
        AuditEvent.Action.GROUP_ADMIN_APPOINTED,
        AuditEvent.Action.GROUP_REGISTRATION_ACCEPTED,
    } <= actions


def test_a_registrant_with_an_account_elsewhere_is_invited_not_appointed(world):
    registration = submit(world, email=world.coordinator_nl.email).registration
    accepted = registrations.accept(actor=world.coordinator, registration=registration)
    assert accepted.admin_user == world.coordinator_nl
    assert not GroupAdmin.objects.filter(group=accepted.group, user=world.coordinator_nl).exists()
    assert accepted.group.admin_invitations.filter(user=world.coordinator_nl).exists()


def test_declining_tells_the_reason_in_the_registrants_language(world):
    with translation.override("fr"):
        registration = submit(world).registration
    before_groups = Group.objects.count()
    declined = registrations.decline(actor=world.coordinator, registration=registration, reason="Déjà couvert.")
    assert declined.status == GroupRegistration.Status.DECLINED
    message = OutgoingMessage.objects.get(topic="group_registration.declined")
    assert message.language == "fr" and "Déjà couvert." in message.body
    assert Group.objects.count() == before_groups


def test_declining_without_a_reason_changes_nothing(world):
    registration = submit(world).registration
    before = counts()
    with pytest.raises(ValidationError):
        registrations.decline(actor=world.coordinator, registration=registration, reason="  ")
    assert counts() == before


@pytest.mark.parametrize("second", ["accept", "decline"])
def test_a_decision_sent_twice_changes_nothing_the_second_time(world, second):
    registration = submit(world).registration
    registrations.accept(actor=world.coordinator, registration=registration)
    before = counts()
    with pytest.raises(ValidationError):
        if second == "accept":
            registrations.accept(actor=world.coordinator, registration=registration)
        else:
            registrations.decline(actor=world.coordinator, registration=registration, reason="Toch niet.")
    assert counts() == before


def test_accepting_a_declined_registration_is_refused(world):
    registration = submit(world).registration
    registrations.decline(actor=world.coordinator, registration=registration, reason="Overlapt.")
    before = counts()
    with translation.override("en"), pytest.raises(ValidationError, match="already declined"):
        registrations.accept(actor=world.coordinator, registration=registration)
    with pytest.raises(ValidationError):
        registrations.adjust_area(actor=world.coordinator, registration=registration, geometry=FREE)
    assert counts() == before


def test_adjusting_the_area_runs_the_same_checks(world):
    registration = submit(world, geometry=json.dumps(OVERLAPPING)).registration
    before = counts()
    for bad in (BOWTIE, OUTSIDE):
        with pytest.raises(ValidationError):
            registrations.adjust_area(actor=world.coordinator, registration=registration, geometry=bad)
    assert counts() == before
    adjusted = registrations.adjust_area(actor=world.coordinator, registration=registration, geometry=FREE)
    assert registrations.overlaps(adjusted) == []
    assert AuditEvent.objects.filter(action=AuditEvent.Action.GROUP_REGISTRATION_AREA_ADJUSTED).count() == 1


@pytest.mark.parametrize("who", ["coordinator_nl", "admin_a", "co_admin_a", "police", "police_nl", "nobody"])
def test_others_cannot_decide_or_adjust(world, who):
    registration = submit(world).registration
    actor = getattr(world, who)
    before = counts()
    with pytest.raises(PermissionDenied):
        registrations.accept(actor=actor, registration=registration)
    with pytest.raises(PermissionDenied):
        registrations.decline(actor=actor, registration=registration, reason="Nee.")
    with pytest.raises(PermissionDenied):
        registrations.adjust_area(actor=actor, registration=registration, geometry=FREE)
    assert counts() == before
    assert not registrations.registrations_for(actor).exists()


def test_public_cannot_decide(world):
    registration = submit(world).registration
    with pytest.raises(PermissionDenied):
        registrations.accept(actor=PUBLIC, registration=registration)


def test_the_superuser_may_decide(world):
    registration = submit(world).registration
    assert registrations.registrations_for(world.superuser).filter(pk=registration.pk).exists()
    assert registrations.accept(actor=world.superuser, registration=registration).status == "accepted"


def test_start_date_before_whatsapp_is_refused(world):
    with translation.override("en"):
        form = RegistrationForm(form_data(world, running_since=dt.date(2005, 1, 1).isoformat()))
        assert not form.is_valid() and "2010" in " ".join(form.errors["running_since"])


def test_a_registrant_who_is_already_an_admin_here_is_appointed_at_once(world):
    registration = submit(world, email=world.admin_a.email).registration
    accepted = registrations.accept(actor=world.coordinator, registration=registration)
    assert GroupAdmin.objects.get(group=accepted.group, user=world.admin_a).role == GroupAdmin.Role.ADMIN
    body = OutgoingMessage.objects.get(topic="group_registration.accepted").body
    assert "/account/" not in body and f"/beheer/groepen/{accepted.group.pk}/" in body


def test_a_switched_off_account_with_the_address_stops_the_acceptance_with_nothing_changed(world):
    world.nobody.is_active = False
    world.nobody.save(update_fields=["is_active"])
    registration = submit(world, email=world.nobody.email).registration
    before = counts()
    with translation.override("en"), pytest.raises(ValidationError, match="switched-off account"):
        registrations.accept(actor=world.coordinator, registration=registration)
    assert counts() == before
