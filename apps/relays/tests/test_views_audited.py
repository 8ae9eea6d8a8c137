"""Every look at an incident, its attachments or a relay's recipients leaves one audit event with
the viewer and the object, on the desk, over the API and through a recipient's secret link; a
refused look (another group's admin, another municipality's coordinator, another zone's police,
no account, an unknown or expired link) leaves none."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.api.tests.utils import bearer
from apps.audit.models import AuditEvent
from apps.incidents import services as incidents
from apps.incidents.tests.helpers import jpeg_with_gps, report
from apps.relays import services
from apps.relays.models import Relay, RelayRecipient
from testkit.world import World

from .helpers import border_group

VIEWS = [
    AuditEvent.Action.INCIDENTS_VIEWED,
    AuditEvent.Action.INCIDENT_VIEWED,
    AuditEvent.Action.INCIDENT_ATTACHMENT_VIEWED,
    AuditEvent.Action.RELAY_VIEWED,
]
OUTSIDERS = ["admin_b", "coordinator_nl", "police_nl", "nobody"]


@pytest.fixture(autouse=True)
def _attachment_dir(settings, tmp_path):
    settings.BUURTWACHT_ATTACHMENT_DIR = tmp_path


@pytest.fixture
def relayed(world: World):
    """An incident of group A with a photo, relayed (green, so sent) to the border group's admin."""
    border_group(world)
    incident = report(world)
    photo = incidents.add_attachment(
        actor=world.admin_a, incident=incident, upload=SimpleUploadedFile("IMG_0001.jpg", jpeg_with_gps())
    )
    relay = services.send(actor=world.admin_a, incident=incident, scope="radius", radius_m=2000)
    recipient = RelayRecipient.objects.select_related("message").filter(relay=relay, kind="admin").first()
    key = re.search(r"/doorgegeven/([^/\s]+)/", recipient.message.body).group(1)
    return incident, photo, relay, recipient, key


def views():
    return list(AuditEvent.objects.filter(action__in=VIEWS))


def desk_url(name: str, incident, photo, relay) -> str:
    return {
        "list": reverse("incidents:list"),
        "detail": reverse("incidents:detail", args=[incident.pk]),
        "attachment": reverse("incidents:attachment_file", args=[photo.pk]),
        "preview": reverse("relays:preview", args=[incident.pk]) + "?scope=radius&radius_m=2000",
        "relay": reverse("relays:detail", args=[relay.pk]),
    }[name]


EXPECTED = {
    "list": (AuditEvent.Action.INCIDENTS_VIEWED, None, "desk"),
    "detail": (AuditEvent.Action.INCIDENT_VIEWED, "incident", "desk"),
    "attachment": (AuditEvent.Action.INCIDENT_ATTACHMENT_VIEWED, "photo", "desk"),
    "preview": (AuditEvent.Action.INCIDENT_VIEWED, "incident", "relay_preview"),
    "relay": (AuditEvent.Action.RELAY_VIEWED, "relay", "desk"),
}


@pytest.mark.parametrize("page", list(EXPECTED))
@pytest.mark.parametrize("viewer", ["admin_a", "coordinator", "police"])
def test_each_desk_page_records_one_view_with_viewer_and_object(client, world, relayed, page, viewer):
    incident, photo, relay, _recipient, _key = relayed
    user = getattr(world, viewer)
    client.force_login(user)
    response = client.get(desk_url(page, incident, photo, relay))
    assert response.status_code == 200
    [event] = views()
    action, target, via = EXPECTED[page]
    assert (event.action, event.actor_id, event.data["via"]) == (action, user.pk, via)
    assert event.municipality_id == world.testdorp.pk
    if target is None:
        assert event.data["incident_ids"] == [incident.pk] and event.data["count"] == 1
    else:
        obj = {"incident": incident, "photo": photo, "relay": relay}[target]
        assert (event.target_type, event.target_id) == (obj._meta.label_lower, str(obj.pk))


@pytest.mark.parametrize("page", [p for p in EXPECTED if p != "list"])
@pytest.mark.parametrize("viewer", [*OUTSIDERS, "anonymous"])
def test_a_refused_desk_page_records_nothing(client, world, relayed, page, viewer):
    incident, photo, relay, _recipient, _key = relayed
    if viewer != "anonymous":
        client.force_login(getattr(world, viewer))
    response = client.get(desk_url(page, incident, photo, relay))
    assert response.status_code in (302, 404)
    assert views() == []


def test_the_list_of_someone_who_sees_no_incident_names_none(client, world, relayed):
    client.force_login(world.coordinator_nl)
    assert client.get(reverse("incidents:list")).status_code == 200
    [event] = views()
    assert event.data["incident_ids"] == [] and event.actor_id == world.coordinator_nl.pk


@pytest.mark.parametrize(
    ("path", "action", "target"),
    [
        ("/api/v1/incidents/{incident}", AuditEvent.Action.INCIDENT_VIEWED, "incident"),
        ("/api/v1/relays/{relay}", AuditEvent.Action.RELAY_VIEWED, "relay"),
    ],
)
def test_the_api_records_one_view_and_refuses_outsiders_without_a_trace(client, world, relayed, path, action, target):
    incident, _photo, relay, _recipient, _key = relayed
    url = path.format(incident=incident.pk, relay=relay.pk)
    for outsider in OUTSIDERS:
        assert client.get(url, headers=bearer(getattr(world, outsider))).status_code == 404
    assert client.get(url).status_code == 401
    assert views() == []
    assert client.get(url, headers=bearer(world.police)).status_code == 200
    [event] = views()
    obj = incident if target == "incident" else relay
    assert (event.action, event.actor_id, event.target_id, event.data["via"]) == (
        action,
        world.police.pk,
        str(obj.pk),
        "api",
    )


def test_the_secret_link_records_the_recipient_who_looked(client, world, relayed):
    incident, photo, relay, recipient, key = relayed
    assert client.get(reverse("relay_acknowledge", args=[key])).status_code == 200
    [event] = views()
    assert event.action == AuditEvent.Action.INCIDENT_VIEWED and event.actor_id is None
    assert event.target_id == str(incident.pk) and event.data["via"] == "relay_link"
    assert event.data["recipient_id"] == recipient.pk and event.data["relay_id"] == relay.pk
    response = client.get(reverse("relay_attachment", args=[key, photo.pk]))
    assert response.status_code == 200
    b"".join(response.streaming_content)
    event = AuditEvent.objects.get(action=AuditEvent.Action.INCIDENT_ATTACHMENT_VIEWED)
    assert event.target_id == str(photo.pk) and event.data["recipient_id"] == recipient.pk
    assert event.data["incident_id"] == incident.pk


def test_an_unknown_or_expired_link_records_nothing(client, world, relayed, settings):
    _incident, photo, relay, _recipient, key = relayed
    assert client.get(reverse("relay_acknowledge", args=["x" + key])).status_code == 404
    assert client.get(reverse("relay_attachment", args=["x" + key, photo.pk])).status_code == 404
    Relay.objects.filter(pk=relay.pk).update(
        created_at=relay.created_at - dt.timedelta(days=settings.BUURTWACHT_RELAY_LINK_DAYS + 1)
    )
    assert client.get(reverse("relay_acknowledge", args=[key])).status_code == 410
    assert client.get(reverse("relay_attachment", args=[key, photo.pk])).status_code == 404
    assert views() == []


def test_an_attachment_of_another_incident_through_a_valid_link_records_nothing(client, world, relayed):
    _incident, _photo, _relay, _recipient, key = relayed
    other = report(world, actor=world.admin_b, group=world.group_b.pk, lat=50.745)
    photo = incidents.add_attachment(
        actor=world.admin_b, incident=other, upload=SimpleUploadedFile("b.jpg", jpeg_with_gps())
    )
    assert client.get(reverse("relay_attachment", args=[key, photo.pk])).status_code == 404
    assert views() == []
