"""Who may record an incident where (ADR 0027): an admin in or near their own groups' areas, a
coordinator in or near their municipality's areas, the police in or near their zone's; "near" is
the municipality's tolerance in metres, set by its coordinators on the municipality's page.
Refused places write nothing, on the page and in the API alike."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from apps.api.tests.utils import bearer
from apps.audit.models import AuditEvent
from apps.incidents import services
from apps.incidents.models import Incident
from apps.relays.models import Relay
from testkit.world import World

from .helpers import incident_data

NO_ADDRESS = {"address": ""}
# Metres per degree of latitude, near 50.75° N.
M_PER_DEG_LAT = 111_200
NORTH_EDGE_A = 50.76  # Testdorp Noord ends here; no area lies north of it

# The points of the attacks found in the review of the demo.
IN_THE_DUTCH_AREA = {"lat": 50.85, "lon": 5.69}  # Grensstad Centrum
FAR_FROM_EVERY_AREA = {"lat": 50.60, "lon": 5.15}  # some 15 km from every area


def north_of_a(metres: float) -> dict:
    return {"lat": NORTH_EDGE_A + metres / M_PER_DEG_LAT, "lon": 5.31}


def record(world: World, actor, **overrides):
    group = {"group": world.group_a.pk} if actor in (world.admin_a, world.co_admin_a) else {"group": None}
    municipality = {"municipality": world.grensstad.pk} if actor == world.police_nl else {}
    data = incident_data(**{**NO_ADDRESS, **group, **municipality, **overrides})
    return services.create_incident(actor=actor, data=data)


def refused(world: World, actor, **overrides) -> dict:
    with pytest.raises(ValidationError) as caught:
        record(world, actor, **overrides)
    assert not Incident.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.INCIDENT_REPORTED).exists()
    return caught.value.message_dict


@pytest.mark.parametrize("who", ["admin_a", "co_admin_a", "coordinator", "police"])
def test_a_point_in_a_dutch_area_is_refused_to_belgian_senders(world: World, who):
    errors = refused(world, getattr(world, who), **IN_THE_DUTCH_AREA)
    assert "lat" in errors


def test_the_dutch_police_record_in_their_own_area(world: World):
    incident = record(world, world.police_nl, **IN_THE_DUTCH_AREA)
    assert incident.area == world.group_nl.area and incident.municipality == world.grensstad


@pytest.mark.parametrize("who", ["admin_a", "coordinator", "police"])
def test_a_point_far_from_every_area_is_refused(world: World, who):
    errors = refused(world, getattr(world, who), **FAR_FROM_EVERY_AREA)
    assert "lat" in errors


def test_the_operator_records_anywhere(world: World):
    incident = record(world, world.superuser, municipality=world.testdorp.pk, **FAR_FROM_EVERY_AREA)
    assert incident.area is None


def test_just_inside_the_tolerance_is_accepted(world: World):
    incident = record(world, world.admin_a, **north_of_a(450))
    assert incident.area is None and incident.group == world.group_a


def test_just_outside_the_tolerance_is_refused_and_says_how_far(world: World, settings):
    settings.LANGUAGE_CODE = "en"
    errors = refused(world, world.admin_a, **north_of_a(560))
    assert "lies 56" in errors["lat"][0] and "500 m" in errors["lat"][0]


def test_the_municipalitys_tolerance_decides(world: World):
    world.testdorp.incident_tolerance_m = 600
    world.testdorp.save()
    assert record(world, world.admin_a, **north_of_a(560)).pk
    world.testdorp.incident_tolerance_m = 0
    world.testdorp.save()
    with pytest.raises(ValidationError):
        record(world, world.admin_a, **north_of_a(50))


@pytest.mark.parametrize("who", ["admin_a", "admin_b"])
def test_the_border_of_two_areas_belongs_to_both_admins(world: World, who):
    incident = record(world, getattr(world, who), lat=50.75, lon=5.31)
    assert incident.area in (world.group_a.area, world.group_b.area)


def test_an_admin_records_in_the_neighbouring_area_only_within_the_tolerance(world: World):
    # Testdorp Zuid, 200 m south of Noord: admin A's to report; 700 m south: admin B's only.
    assert record(world, world.admin_a, lat=50.75 - 200 / M_PER_DEG_LAT, lon=5.31).area == world.group_b.area
    with pytest.raises(ValidationError):
        record(world, world.admin_a, lat=50.75 - 700 / M_PER_DEG_LAT, lon=5.31)
    assert Incident.objects.count() == 1


def test_a_typed_address_far_away_is_refused_on_the_street(world: World):
    # Veldweg 5 (3871) lies outside every area, some 7 km from Testdorp Noord.
    errors = refused(world, world.admin_a, lat=None, lon=None, street="Veldweg", house_number="5", postcode="3871")
    assert "street" in errors


def test_the_police_record_at_an_address_of_their_municipality_outside_every_area(world: World):
    incident = record(world, world.police, lat=None, lon=None, street="Veldweg", house_number="5", postcode="3871")
    assert incident.municipality == world.testdorp and incident.area is None


# The page and the API refuse the same places with the same message.


def page_data(world: World, **overrides) -> dict:
    data = incident_data(group=world.group_a.pk, **NO_ADDRESS, **overrides)
    data["occurred_at"] = data["occurred_at"].strftime("%Y-%m-%dT%H:%M")
    data["police_called"] = "on"
    return data


def test_the_page_refuses_the_dutch_point_and_shows_why(client, world: World, settings):
    settings.LANGUAGE_CODE = "en"
    client.force_login(world.admin_a)
    response = client.post(reverse("incidents:create"), page_data(world, **IN_THE_DUTCH_AREA))
    assert response.status_code == 200
    assert "outside them" in response.content.decode()
    assert not Incident.objects.exists()


def test_the_api_refuses_the_dutch_point_on_lat(client, world: World, settings):
    settings.LANGUAGE_CODE = "en"
    from apps.api.tests.test_incidents import URL, body

    response = client.post(
        URL, body(world, **IN_THE_DUTCH_AREA), content_type="application/json", headers=bearer(world.admin_a)
    )
    assert response.status_code == 400
    assert "outside them" in response.json()["errors"]["lat"][0]
    assert not Incident.objects.exists() and not Relay.objects.exists()


def test_the_api_accepts_a_point_just_inside_the_tolerance(client, world: World):
    from apps.api.tests.test_incidents import URL, body

    response = client.post(
        URL, body(world, **north_of_a(450)), content_type="application/json", headers=bearer(world.admin_a)
    )
    assert response.status_code == 201, response.content


# The tolerance on the coordinator's municipality page.


def test_the_coordinator_sets_the_tolerance_and_it_is_audited(client, world: World):
    client.force_login(world.coordinator)
    url = reverse("staff:municipality_detail", args=[world.testdorp.pk])
    page = client.get(url).content.decode()
    assert 'name="incident_tolerance_m"' in page and 'value="500"' in page
    response = client.post(url, {"incident_tolerance_m": "750"})
    assert response.status_code == 302
    world.testdorp.refresh_from_db()
    assert world.testdorp.incident_tolerance_m == 750
    [event] = AuditEvent.objects.filter(action=AuditEvent.Action.MUNICIPALITY_SETTINGS_CHANGED)
    assert event.data["incident_tolerance_m"] == 750 and event.data["previous_incident_tolerance_m"] == 500


@pytest.mark.parametrize("value", ["-1", "5001", "veel", "1.5"])
def test_a_wrong_tolerance_is_refused_and_changes_nothing(client, world: World, value):
    client.force_login(world.coordinator)
    url = reverse("staff:municipality_detail", args=[world.testdorp.pk])
    response = client.post(url, {"incident_tolerance_m": value})
    assert response.status_code == 200 and "5000" in response.content.decode()
    world.testdorp.refresh_from_db()
    assert world.testdorp.incident_tolerance_m == 500
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.MUNICIPALITY_SETTINGS_CHANGED).exists()


@pytest.mark.parametrize("who", ["admin_a", "police", "coordinator_nl", "nobody"])
def test_only_the_municipalitys_coordinators_set_the_tolerance(client, world: World, who):
    client.force_login(getattr(world, who))
    url = reverse("staff:municipality_detail", args=[world.testdorp.pk])
    assert client.post(url, {"incident_tolerance_m": "5000"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.set_incident_tolerance(world.testdorp, metres=5000, actor=getattr(world, who))
    world.testdorp.refresh_from_db()
    assert world.testdorp.incident_tolerance_m == 500
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.MUNICIPALITY_SETTINGS_CHANGED).exists()


def test_the_service_refuses_a_wrong_tolerance(world: World):
    for wrong in (-1, 5001, "500", True, None):
        with pytest.raises(ValidationError) as caught:
            services.set_incident_tolerance(world.testdorp, metres=wrong, actor=world.coordinator)
        assert "incident_tolerance_m" in caught.value.message_dict
    world.testdorp.refresh_from_db()
    assert world.testdorp.incident_tolerance_m == 500
