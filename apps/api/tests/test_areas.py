"""GET /api/v1/areas.geojson: every area as open data, with the public facts of its groups."""

from __future__ import annotations

from testkit.world import add_member


def test_every_area_with_its_public_groups(world, client):
    add_member(world.group_a, 1)
    response = client.get("/api/v1/areas.geojson")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    data = response.json()
    assert data["type"] == "FeatureCollection"
    by_name = {f["properties"]["name"]: f for f in data["features"]}
    assert set(by_name) == {"Noord", "Zuid", "Centrum"}
    noord = by_name["Noord"]
    assert noord["geometry"]["type"] == "Polygon"
    assert noord["properties"]["municipality"] == "Testdorp" and noord["properties"]["country"] == "BE"
    assert [g["slug"] for g in noord["properties"]["groups"]] == ["testdorp-noord"]
    assert noord["properties"]["area_m2"] > 1_000_000
    body = response.content.decode()
    for secret in ("INVITE", "+3247", "@example.org", "Lid 1"):
        assert secret not in body


def test_closed_groups_are_left_out(world, client):
    world.group_b.status = "closed"
    world.group_b.save()
    features = client.get("/api/v1/areas.geojson").json()["features"]
    zuid = next(f for f in features if f["properties"]["name"] == "Zuid")
    assert zuid["properties"]["groups"] == []
