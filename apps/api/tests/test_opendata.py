"""The open-data download of all public group data: complete, and without personal data."""

from __future__ import annotations

from testkit.world import add_member


def test_download_holds_groups_municipalities_and_areas_but_no_people(world, client):
    add_member(world.group_a, 1)
    add_member(world.group_a, 2)
    response = client.get("/api/v1/opendata/groups.json")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="buurtwacht-open-data-')
    data = response.json()
    groups = {g["slug"]: g for g in data["groups"]}
    assert set(groups) == {"testdorp-noord", "testdorp-zuid", "grensstad-centrum"}
    assert groups["testdorp-noord"]["members"] == groups["testdorp-zuid"]["members"] == "fewer than 10"
    assert {m["name"]: m["active_groups"] for m in data["municipalities"]} == {"Grensstad": 1, "Testdorp": 2}
    assert len(data["areas"]["features"]) == 3
    area_ids = {f["id"] for f in data["areas"]["features"]}
    assert all(g["area_id"] in area_ids for g in data["groups"])
    body = response.content.decode()
    for secret in ("INVITE", "chat.whatsapp.com", "+3247", "@example.org", "Lid 1", "admin_a", "1970-01-01"):
        assert secret not in body


def test_open_data_needs_no_token_and_is_in_the_schema(world, client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/areas.geojson" in schema["paths"] and "/api/v1/opendata/groups.json" in schema["paths"]
