"""POST /api/v1/applications to a full group: refused at once with the groups nearby (no more
201 and then silence until the expiry), or accepted onto the waiting list when asked."""

from __future__ import annotations

import json

from apps.applications import services
from apps.applications.models import Application
from apps.areas import neighbours
from apps.messaging.models import OutgoingMessage
from testkit.world import World, add_member

from .utils import application_json

URL = "/api/v1/applications"


def post(client, body) -> object:
    return client.post(URL, json.dumps(body), content_type="application/json")


def fill(group, capacity: int = 2) -> None:
    group.capacity = capacity
    group.save()
    for n in range(1, capacity + 1):
        add_member(group, 400 + n)


def test_a_full_group_answers_400_with_the_groups_nearby_and_stores_nothing(client, world: World):
    neighbours.recompute()
    fill(world.group_a)
    response = post(client, application_json(World.ADDRESS_A))
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["errors"]["waiting_list"]
    assert body["nearby_groups"] == [{"slug": world.group_b.slug, "name": world.group_b.name}]
    assert Application.objects.count() == 0 and OutgoingMessage.objects.count() == 0


def test_a_full_group_takes_the_applicant_onto_its_waiting_list_when_asked(client, world: World):
    fill(world.group_a)
    response = post(client, application_json(World.ADDRESS_A, waiting_list=True, offers_to_help=True))
    assert response.status_code == 201, response.content
    application = Application.objects.get()
    assert application.offers_to_help is True
    application = services.confirm(services.confirmation_token(application))
    assert application.status == Application.Status.WAITING
    assert OutgoingMessage.objects.filter(topic="application.waiting").count() == 1
