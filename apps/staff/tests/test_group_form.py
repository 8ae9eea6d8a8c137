"""Creating and editing groups: the area chosen, drawn or uploaded, and everything that is
refused (with a message, and with no area or group left behind)."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.areas.models import Area
from apps.areas.services import save_area
from apps.audit.models import AuditEvent
from apps.core.actors import SYSTEM
from apps.groups.models import Group
from apps.municipalities.models import SubMunicipality
from testkit.world import add_member, box

from .helpers import snapshot

EAST = box(5.33, 50.74, 5.35, 50.75)
BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[5.33, 50.74], [5.35, 50.75], [5.35, 50.74], [5.33, 50.75], [5.33, 50.74]]],
}
POINT = {"type": "Point", "coordinates": [5.31, 50.75]}


def form_data(**overrides) -> dict:
    data = {
        "name": "Testdorp Oost",
        "status": "forming",
        "capacity": "120",
        "invite_link": "",
        "public_description": "Voor de oostkant.",
        "area_source": "existing",
        "existing_area": "",
        "area_name": "",
        "geometry": "",
        "sub_municipality": "",
    }
    data.update(overrides)
    return data


def geojson_file(content, name: str = "oost.geojson") -> SimpleUploadedFile:
    raw = content if isinstance(content, bytes) else json.dumps(content).encode()
    return SimpleUploadedFile(name, raw, content_type="application/geo+json")


@pytest.fixture
def coordinator(client, world):
    client.force_login(world.coordinator)
    return client


def create_url(world) -> str:
    return reverse("staff:group_create", args=[world.testdorp.pk])


def assert_refused(response, field: str, text: str, before: dict) -> None:
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert any(text in e for e in errors[field]), errors[field]
    assert snapshot() == before
    assert text in response.content.decode().replace("&#x27;", "'")


def test_create_with_an_existing_area(coordinator, world):
    area = save_area(actor=SYSTEM, municipality=world.testdorp, name="Oost", geometry=EAST)
    page = coordinator.get(create_url(world)).content.decode()
    assert "Oost" in page and 'value="existing"' in page
    response = coordinator.post(create_url(world), form_data(existing_area=str(area.pk)))
    group = Group.objects.get(name="Testdorp Oost")
    assert response.status_code == 302 and response.url == reverse("staff:group_detail", args=[group.pk])
    assert (group.area, group.status, group.capacity, group.slug) == (area, "forming", 120, "testdorp-oost")
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.GROUP_CREATED, actor=world.coordinator, group_id=group.pk
    ).exists()


def test_create_with_a_drawn_area(coordinator, world):
    sub = SubMunicipality.objects.create(municipality=world.testdorp, name="Oosthoek")
    response = coordinator.post(
        create_url(world),
        form_data(area_source="draw", geometry=json.dumps(EAST), area_name="Oostwijk", sub_municipality=str(sub.pk)),
    )
    assert response.status_code == 302
    group = Group.objects.get(name="Testdorp Oost")
    assert (group.area.name, group.area.sub_municipality, group.area.municipality) == ("Oostwijk", sub, world.testdorp)
    assert (group.area.min_lon, group.area.max_lat) == (5.33, 50.75)


def test_create_with_an_uploaded_geojson_file(coordinator, world):
    feature = {"type": "Feature", "properties": {"naam": "Oost"}, "geometry": EAST}
    response = coordinator.post(create_url(world), form_data(area_source="upload", geojson_file=geojson_file(feature)))
    assert response.status_code == 302
    group = Group.objects.get(name="Testdorp Oost")
    assert group.area.name == "Testdorp Oost"  # no area name given: the group's name
    assert group.area.area_m2 > 100


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (BOWTIE, "outline is not valid"),
        (POINT, "must be a Polygon or MultiPolygon, not Point"),
        (b"<kml>not json</kml>", "not valid GeoJSON"),
        (b"\xff\xfe\x00garbage", "not a text file in UTF-8"),
        ({"type": "FeatureCollection", "features": []}, "holds 0 features"),
    ],
    ids=["self-intersecting", "point", "not-json", "not-utf8", "empty-collection"],
)
def test_bad_uploads_are_refused_and_nothing_is_created(coordinator, world, content, message):
    before = snapshot()
    response = coordinator.post(create_url(world), form_data(area_source="upload", geojson_file=geojson_file(content)))
    assert_refused(response, "geojson_file", message, before)


@pytest.mark.parametrize(("geometry", "message"), [(BOWTIE, "outline is not valid"), (POINT, "not Point")])
def test_bad_drawings_are_refused_and_nothing_is_created(coordinator, world, geometry, message):
    before = snapshot()
    response = coordinator.post(create_url(world), form_data(area_source="draw", geometry=json.dumps(geometry)))
    assert_refused(response, "geometry", message, before)
    # What was drawn comes back, so the map can show it for correction.
    assert response.context["form"]["geometry"].value() == json.dumps(geometry)


def test_a_file_over_the_limit_is_refused_before_it_is_read(coordinator, world, settings):
    settings.BUURTWACHT_MAX_GEOJSON_UPLOAD = 2048
    valid_but_large = json.dumps(EAST).encode() + b" " * 4096
    before = snapshot()
    response = coordinator.post(
        create_url(world), form_data(area_source="upload", geojson_file=geojson_file(valid_but_large))
    )
    assert_refused(response, "geojson_file", "larger than 2.0", before)
    # The upload handler dropped the file: the view never had it in memory.
    assert "geojson_file" not in response.wsgi_request.FILES
    # The same area under the limit is accepted.
    response = coordinator.post(
        create_url(world), form_data(area_source="upload", geojson_file=geojson_file(json.dumps(EAST).encode()))
    )
    assert response.status_code == 302


@pytest.mark.parametrize("capacity", ["1", "0", "1025", "-5", "veel"])
def test_capacity_out_of_range_is_refused(coordinator, world, capacity):
    area = save_area(actor=SYSTEM, municipality=world.testdorp, name="Oost", geometry=EAST)
    before = snapshot()
    response = coordinator.post(create_url(world), form_data(existing_area=str(area.pk), capacity=capacity))
    assert response.status_code == 200 and "capacity" in response.context["form"].errors
    assert snapshot() == before


def test_capacity_below_the_current_members_is_refused_on_edit(coordinator, world):
    for n in range(3):
        add_member(world.group_a, 300 + n)
    before = snapshot()
    data = form_data(name="Testdorp Noord", status="active", capacity="2", existing_area=str(world.group_a.area_id))
    response = coordinator.post(reverse("staff:group_edit", args=[world.group_a.pk]), data)
    assert_refused(response, "capacity", "already has 3 members", before)
    assert response.context["group"].name == "Testdorp Noord"


def test_an_area_of_another_municipality_cannot_be_chosen(coordinator, world):
    before = snapshot()
    response = coordinator.post(create_url(world), form_data(existing_area=str(world.group_nl.area_id)))
    assert response.status_code == 200 and "existing_area" in response.context["form"].errors
    assert snapshot() == before
    response = coordinator.post(
        reverse("staff:group_edit", args=[world.group_a.pk]),
        form_data(name="Testdorp Noord", existing_area=str(world.group_nl.area_id)),
    )
    assert response.status_code == 200 and "existing_area" in response.context["form"].errors
    assert snapshot() == before


def test_a_choice_of_area_source_needs_its_input(coordinator, world):
    before = snapshot()
    for source, field in (("existing", "existing_area"), ("draw", "geometry"), ("upload", "geojson_file")):
        response = coordinator.post(create_url(world), form_data(area_source=source))
        assert field in response.context["form"].errors
    assert snapshot() == before


def test_edit_redraws_an_area_only_this_group_uses_in_place(coordinator, world):
    area_id = world.group_a.area_id
    new_outline = box(5.30, 50.75, 5.325, 50.765)
    response = coordinator.post(
        reverse("staff:group_edit", args=[world.group_a.pk]),
        form_data(
            name="Testdorp Noord",
            status="active",
            capacity="256",
            area_source="draw",
            geometry=json.dumps(new_outline),
            area_name="Noord (groter)",
            invite_link="https://chat.whatsapp.com/INVITEnoord",
        ),
    )
    assert response.status_code == 302
    group = Group.objects.get(pk=world.group_a.pk)
    assert group.area_id == area_id and Area.objects.count() == 3
    assert (group.area.name, group.area.max_lon, group.area.max_lat) == ("Noord (groter)", 5.325, 50.765)
    assert group.invite_link == "https://chat.whatsapp.com/INVITEnoord"


def test_edit_gives_a_new_area_when_the_old_one_is_shared(coordinator, world):
    shared = Group.objects.create(
        municipality=world.testdorp, area=world.group_a.area, name="Noord bis", slug="noord-bis"
    )
    response = coordinator.post(
        reverse("staff:group_edit", args=[world.group_a.pk]),
        form_data(name="Testdorp Noord", status="active", area_source="draw", geometry=json.dumps(EAST)),
    )
    assert response.status_code == 302
    group = Group.objects.get(pk=world.group_a.pk)
    assert group.area_id != shared.area_id and Area.objects.count() == 4
    shared.area.refresh_from_db()
    assert shared.area.max_lat == 50.76  # the other group's area is untouched


def test_sub_municipality_of_an_existing_area_changes_only_when_asked(coordinator, world):
    sub = SubMunicipality.objects.create(municipality=world.testdorp, name="Noordhoek")
    url = reverse("staff:group_edit", args=[world.group_a.pk])
    base = form_data(name="Testdorp Noord", status="active", capacity="256", existing_area=str(world.group_a.area_id))
    coordinator.post(url, base)
    assert Area.objects.get(pk=world.group_a.area_id).sub_municipality is None
    coordinator.post(url, {**base, "sub_municipality": str(sub.pk)})
    assert Area.objects.get(pk=world.group_a.area_id).sub_municipality == sub
    # Choosing another area later leaves that area's own sub-municipality alone.
    other = save_area(actor=SYSTEM, municipality=world.testdorp, name="Oost", geometry=EAST)
    coordinator.post(url, {**base, "existing_area": str(other.pk), "sub_municipality": str(sub.pk)})
    assert Area.objects.get(pk=other.pk).sub_municipality is None
    assert Group.objects.get(pk=world.group_a.pk).area == other


def test_edit_form_shows_the_current_values_and_the_map(coordinator, world):
    response = coordinator.get(reverse("staff:group_edit", args=[world.group_a.pk]))
    page = response.content.decode()
    assert 'value="Testdorp Noord"' in page and "https://chat.whatsapp.com/INVITEnoord" in page
    assert "vendor/leaflet-geoman/leaflet-geoman.min.js" in page and "js/area-editor.js" in page
    assert "data-area-editor" in page and "/jsi18n/" in page
    kinds = {f["properties"]["label"]: f["properties"]["kind"] for f in response.context["map_data"]["features"]}
    assert kinds == {"Noord": "current", "Zuid": "other-area"}
