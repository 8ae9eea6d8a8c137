"""Police feedback and closing: only the police of the zone; the reporter's admins are told."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.incidents import services
from apps.incidents.models import Incident
from apps.messaging.models import OutgoingMessage
from testkit.world import World

from .helpers import report


def test_police_closes_and_the_groups_admins_are_told(world: World):
    incident = report(world, actor=world.coordinator, group=world.group_a.pk)
    services.give_feedback(actor=world.police, incident=incident, feedback="Ter plaatse gecontroleerd.", close=True)
    incident.refresh_from_db()
    assert incident.status == Incident.Status.CLOSED and incident.closed_by == world.police
    told = set(OutgoingMessage.objects.filter(topic="incident.closed").values_list("recipient", flat=True))
    # every admin of group A (co-admin included) and the reporter
    assert told == {world.admin_a.email, world.co_admin_a.email, world.coordinator.email}
    body = OutgoingMessage.objects.filter(topic="incident.closed").first().body
    assert "Ter plaatse gecontroleerd." in body


@pytest.mark.parametrize("who", ["admin_a", "admin_b", "coordinator", "coordinator_nl"])
def test_only_police_may_give_feedback(world: World, who):
    incident = report(world)
    with pytest.raises(PermissionDenied):
        services.give_feedback(actor=getattr(world, who), incident=incident, feedback="x", close=True)
    incident.refresh_from_db()
    assert incident.status == "open" and not OutgoingMessage.objects.exists()


def test_empty_feedback_and_closing_twice_are_refused(world: World):
    incident = report(world)
    with pytest.raises(ValidationError):
        services.give_feedback(actor=world.police, incident=incident, feedback="  ", close=True)
    services.give_feedback(actor=world.police, incident=incident, feedback="Klaar.", close=True)
    count = OutgoingMessage.objects.count()
    with pytest.raises(ValidationError):
        services.give_feedback(actor=world.police, incident=incident, feedback="Nog eens.", close=True)
    assert OutgoingMessage.objects.count() == count
