"""Private incident endpoints: record with the SAAR rule, read within reach only."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.incidents.models import Incident
from testkit.world import World

from .utils import bearer

URL = "/api/v1/incidents"


def body(world: World, **overrides) -> dict:
    data = {
        "category": "suspicious_person",
        "occurred_at": timezone.now().replace(microsecond=0).isoformat(),
        "police_called": True,
        "group_id": world.group_a.pk,
        "lat": 50.755,
        "lon": 5.31,
        "text": "Man belt overal aan en vraagt naar de bewoners.",
        "person": {"sex": "man", "height": "1m80", "build": "slank", "clothing": "rode jas", "face": "baard"},
        "vehicle": {"colour": "wit", "make": "Ford", "type": "Transit", "plate": "vl 123 b"},
    }
    data.update(overrides)
    return data


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def test_record_and_read_an_incident(client, world: World):
    response = client.post(URL, body(world), content_type="application/json", headers=bearer(world.admin_a))
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["category_label"] == "suspicious person" and data["person"]["clothing"] == "rode jas"
    assert data["vehicle"]["plate"] == "VL-123-B" and data["vehicle"]["plate_country"] == "NL"
    assert data["area_id"] == world.group_a.area_id and data["municipality_id"] == world.testdorp.pk
    got = client.get(f"{URL}/{data['id']}", headers=bearer(world.police))
    assert got.status_code == 200 and got.json()["id"] == data["id"]


def test_without_calling_the_police_first_it_is_refused_with_the_numbers(client, world: World):
    response = client.post(
        URL, body(world, police_called=False), content_type="application/json", headers=bearer(world.admin_a)
    )
    assert response.status_code == 400
    assert "101" in " ".join(response.json()["errors"]["police_called"])
    assert not Incident.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"category": "rumour"}, "category"), ({"text": ""}, "text"), ({"group_id": 999999}, "group_id")],
)
def test_bad_input_answers_400_per_field(client, world: World, overrides, field):
    response = client.post(
        URL, body(world, **overrides), content_type="application/json", headers=bearer(world.admin_a)
    )
    assert response.status_code == 400 and field in response.json()["errors"]
    assert not Incident.objects.exists()


@pytest.mark.parametrize("who", ["admin_b", "coordinator_nl"])
def test_others_get_404(client, world: World, who):
    created = client.post(URL, body(world), content_type="application/json", headers=bearer(world.admin_a)).json()
    assert client.get(f"{URL}/{created['id']}", headers=bearer(getattr(world, who))).status_code == 404


def test_no_token_401(client, world: World):
    assert client.post(URL, body(world), content_type="application/json").status_code == 401
    assert not Incident.objects.exists()


def test_attach_a_photo_and_refuse_an_executable(client, world: World, settings, tmp_path):
    import io

    from PIL import Image

    settings.BUURTWACHT_ATTACHMENT_DIR = tmp_path
    created = client.post(URL, body(world), content_type="application/json", headers=bearer(world.admin_a)).json()
    url = f"{URL}/{created['id']}/attachments"
    photo = io.BytesIO()
    Image.new("RGB", (8, 8)).save(photo, format="JPEG")
    photo.seek(0)
    photo.name = "photo.jpg"
    response = client.post(url, {"file": photo}, headers=bearer(world.admin_a))
    assert response.status_code == 201, response.content
    assert response.json()["content_type"] == "image/jpeg"
    exe = io.BytesIO(b"MZ\x90\x00" + b"\x00" * 100)
    exe.name = "photo.jpg"
    refused = client.post(url, {"file": exe}, headers=bearer(world.admin_a))
    assert refused.status_code == 400 and "file" in refused.json()["errors"]
    other = io.BytesIO(b"MZ")
    other.name = "x.jpg"
    assert client.post(url, {"file": other}, headers=bearer(world.admin_b)).status_code == 404
    got = client.get(f"{URL}/{created['id']}", headers=bearer(world.admin_a)).json()
    assert [a["kind"] for a in got["attachments"]] == ["image"]
