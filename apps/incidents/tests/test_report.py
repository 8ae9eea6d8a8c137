"""Recording an incident: the SAAR rule, where it happened, the description, who may see it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.incidents import services
from apps.incidents.forms import IncidentForm
from apps.incidents.models import Incident
from apps.messaging.models import OutgoingMessage
from testkit.world import World

from .helpers import incident_data, report


def test_an_admin_records_an_incident_in_their_group(world: World):
    incident = report(world)
    assert incident.municipality == world.testdorp and incident.group == world.group_a
    assert incident.area == world.group_a.area
    assert incident.vehicle_plate == "1-ABC-123" and incident.vehicle_plate_country == "BE"
    assert incident.police_called and incident.reported_by == world.admin_a
    assert AuditEvent.objects.filter(action="incident.reported", target_id=str(incident.pk)).exists()
    assert not OutgoingMessage.objects.exists()  # recording sends nothing; relaying does


@pytest.mark.parametrize(
    ("municipality", "numbers"),
    [("testdorp", ["101", "112"]), ("grensstad", ["0900-8844", "112"])],
)
def test_saar_police_first_is_required_and_names_the_countrys_numbers(world: World, municipality, numbers):
    target = getattr(world, municipality)
    actor = world.coordinator if municipality == "testdorp" else world.coordinator_nl
    with pytest.raises(ValidationError) as caught:
        services.create_incident(
            actor=actor, data=incident_data(police_called=False, municipality=target.pk, lat=None, lon=None)
        )
    message = " ".join(caught.value.message_dict["police_called"])
    assert all(n in message for n in numbers)
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"category": "gossip"}, "category"),
        ({"text": "   "}, "text"),
        # no place and no group (with a group, the group's area is the place: test_place.py)
        ({"lat": None, "lon": None, "address": "", "group": None}, "address"),
        ({"lat": 50.7, "lon": None}, "lat"),
        ({"lat": 123.0}, "lat"),
        ({"occurred_at": timezone.now() + dt.timedelta(hours=2)}, "occurred_at"),
    ],
)
def test_bad_input_is_refused_per_field_and_nothing_is_stored(world: World, overrides, field):
    with pytest.raises(ValidationError) as caught:
        report(world, **overrides)
    assert field in caught.value.message_dict
    assert not Incident.objects.exists() and not AuditEvent.objects.filter(action="incident.reported").exists()


def test_an_admin_cannot_report_in_another_group_or_municipality(world: World):
    with pytest.raises(ValidationError) as caught:
        services.create_incident(
            actor=world.admin_a, data=incident_data(group=world.group_nl.pk, municipality=world.grensstad.pk)
        )
    assert {"group", "municipality"} <= set(caught.value.message_dict)
    assert not Incident.objects.exists()


def test_police_report_takes_the_municipality_from_the_point(world: World):
    incident = report(world, actor=world.police, lat=50.745, lon=5.31)
    assert incident.municipality == world.testdorp and incident.area == world.group_b.area and incident.group is None


def test_a_form_built_for_someone_else_is_refused_and_nothing_is_stored(world: World):
    """The form's choices of group and municipality are its user's: it cannot carry another actor's report."""
    form = IncidentForm(incident_data(group=world.group_a.pk), user=world.admin_a)
    with pytest.raises(PermissionDenied):
        services.save_incident(actor=world.coordinator_nl, form=form)
    assert not Incident.objects.exists()


@pytest.mark.parametrize("who", ["nobody", "admin_b"])
def test_a_group_outside_ones_reach_is_named_in_the_message(world: World, who):
    with pytest.raises(ValidationError) as caught:
        services.create_incident(actor=getattr(world, who), data=incident_data(group=world.group_a.pk))
    assert caught.value.message_dict["group"] == ["Choose one of your groups."]
    assert not Incident.objects.exists()
