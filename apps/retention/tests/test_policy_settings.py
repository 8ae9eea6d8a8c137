"""The retention periods on the coordinator's desk: only the municipality's coordinators (and
operators) may change them; everyone else is refused and nothing changes; bad numbers are
refused with a clear message."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from apps.audit.models import AuditEvent
from apps.municipalities.models import RETENTION_DEFAULTS, Municipality
from apps.retention.services import KINDS, field_name, policy_of, save_policy
from testkit.world import World


def periods(municipality: Municipality) -> dict[str, int]:
    municipality.refresh_from_db()
    return {kind: getattr(municipality, field_name(kind)) for kind in KINDS}


def post_data(**days) -> dict:
    data = {field_name(kind): RETENTION_DEFAULTS[kind] for kind in KINDS}
    data.update({field_name(kind): value for kind, value in days.items()})
    return data


def url(world: World) -> str:
    return reverse("staff:retention_settings", args=[world.testdorp.pk])


def test_defaults(world: World):
    assert (
        periods(world.testdorp)
        == RETENTION_DEFAULTS
        == {
            "applications": 30,
            "members": 183,
            "messages": 30,
            "incidents": 365,
            "audit": 730,
        }
    )
    assert policy_of(None).days("audit") == 730


def test_coordinator_changes_the_periods_and_it_is_recorded(client, world: World):
    client.force_login(world.coordinator)
    page = client.get(url(world))
    assert page.status_code == 200
    response = client.post(url(world), post_data(applications=14, incidents=90))
    assert response.status_code == 302
    assert periods(world.testdorp) == {**RETENTION_DEFAULTS, "applications": 14, "incidents": 90}
    event = AuditEvent.objects.get(action=AuditEvent.Action.MUNICIPALITY_SETTINGS_CHANGED)
    assert event.actor == world.coordinator and event.municipality_id == world.testdorp.pk
    assert event.data["retention"] == {"applications": {"from": 30, "to": 14}, "incidents": {"from": 365, "to": 90}}
    # The same again changes nothing and records nothing.
    client.post(url(world), post_data(applications=14, incidents=90))
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MUNICIPALITY_SETTINGS_CHANGED).count() == 1


def test_operator_may_change_them(client, world: World):
    client.force_login(world.superuser)
    assert client.post(url(world), post_data(members=30)).status_code == 302
    assert periods(world.testdorp)["members"] == 30


@pytest.mark.parametrize("who", ["admin_a", "co_admin_a", "police", "coordinator_nl", "nobody", "police_nl"])
def test_others_are_refused_and_nothing_changes(client, world: World, who):
    client.force_login(getattr(world, who))
    before = periods(world.testdorp)
    assert client.get(url(world)).status_code == 404
    assert client.post(url(world), post_data(applications=1, audit=1)).status_code == 404
    assert periods(world.testdorp) == before
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.MUNICIPALITY_SETTINGS_CHANGED).exists()
    with pytest.raises(PermissionDenied):
        save_policy(world.testdorp, actor=getattr(world, who), applications=1)
    assert periods(world.testdorp) == before


def test_anonymous_is_sent_to_login(client, world: World):
    before = periods(world.testdorp)
    response = client.post(url(world), post_data(applications=1))
    assert response.status_code == 302 and "inloggen" in response["Location"]
    assert periods(world.testdorp) == before


@pytest.mark.parametrize("value", ["0", "-5", "3651", "abc", "", "1.5", "30 dagen"])
def test_bad_numbers_are_refused_and_nothing_changes(client, world: World, value):
    client.force_login(world.coordinator)
    before = periods(world.testdorp)
    with translation.override("en"):
        response = client.post(url(world), {**post_data(), field_name("members"): value}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors[field_name("members")] == ["Enter a number of days from 1 to 3650."]
    assert periods(world.testdorp) == before
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.MUNICIPALITY_SETTINGS_CHANGED).exists()


@pytest.mark.parametrize("value", [0, 3651, "30", None])
def test_the_service_refuses_bad_numbers_too(world: World, value):
    before = periods(world.testdorp)
    with pytest.raises(ValidationError):
        save_policy(world.testdorp, actor=world.coordinator, messages=value)
    assert periods(world.testdorp) == before


def test_the_service_refuses_unknown_kinds(world: World):
    with pytest.raises(ValueError):
        save_policy(world.testdorp, actor=world.coordinator, birth_dates=1)


def test_the_municipality_page_links_to_the_periods(client, world: World):
    client.force_login(world.coordinator)
    page = client.get(reverse("staff:municipality_detail", args=[world.testdorp.pk])).content.decode()
    assert url(world) in page
