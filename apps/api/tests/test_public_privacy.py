"""Public endpoints never give out anything about people, nor a group's invite link."""

from __future__ import annotations

import datetime as dt
import json

from testkit.world import World, add_member

from .utils import application_json

# What a member, an applicant and the admins could give away, in every spelling it is stored or typed in.
MEMBER = {"full_name": "Zebediah Quargle", "phone": "+32470918273", "email": "zeb.quargle@example.org"}
APPLICANT = {
    "full_name": "Philomena Vandersnoot",
    "phone": "0470 55 66 77",
    "email": "philo.snoot@example.org",
    "birth_date": "1949-08-23",
}
NEEDLES = [
    "Zebediah",
    "Quargle",
    "32470918273",
    "470918273",
    "zeb.quargle",
    "1951-03-14",
    "Philomena",
    "Vandersnoot",
    "32470556677",
    "470556677",
    "0470 55 66 77",
    "philo.snoot",
    "1949-08-23",
    "admin_a",
    "admin_b",
    "coordinator",
    "@example.org",
    "+32470000001",
    "+32470000002",
    "chat.whatsapp.com",
    "INVITEnoord",
    "INVITEzuid",
]


def body(response) -> bytes:
    # The groups' layers are streamed: read them whole.
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def leaks(content: bytes) -> list[str]:
    text = content.decode()
    # JSON may escape characters; compare the decoded form as well.
    decoded = json.dumps(json.loads(text), ensure_ascii=False)
    return [n for n in NEEDLES if n.lower() in text.lower() or n.lower() in decoded.lower()]


def test_no_public_response_contains_personal_data_or_invite_links(client, world: World):
    add_member(world.group_a, 1, birth_date=dt.date(1951, 3, 14), **MEMBER)
    add_member(
        world.group_b,
        2,
        full_name="Zebediah Quargle Jr",
        phone="+32470918274",
        email="zeb.quargle.jr@example.org",
        birth_date=dt.date(1951, 3, 14),
    )
    created = client.post(
        "/api/v1/applications", application_json(World.ADDRESS_A, **APPLICANT), content_type="application/json"
    )
    assert created.status_code == 201
    # The same person once more: refused, and the refusal must not echo their data either.
    refused = client.post(
        "/api/v1/applications", application_json(World.ADDRESS_A, **APPLICANT), content_type="application/json"
    )
    assert refused.status_code == 400

    responses = [
        created,
        refused,
        client.get("/api/v1/groups"),
        client.get("/api/v1/lookup", {"postcode": "3870", "house_number": "1"}),
        client.get("/api/v1/lookup", {"postcode": "3870", "house_number": "3"}),
        client.get("/api/v1/lookup", {"lat": "50.755", "lon": "5.31"}),
        client.get("/api/v1/lookup", {"postcode": "6211 AB", "house_number": "10"}),
        client.get("/kaart/gebieden.json"),
        client.get("/gemeenten/testdorp/gebieden.json"),
    ]
    for response in responses:
        assert response.status_code in (200, 201, 400)
        content = body(response)
        assert leaks(content) == [], content


def test_group_features_carry_only_the_public_properties(client, world: World):
    add_member(world.group_a, 1, **MEMBER)
    features = json.loads(body(client.get("/api/v1/groups")))["features"]
    assert {frozenset(f) for f in features} == {frozenset({"type", "id", "geometry", "properties"})}
    assert {frozenset(f["properties"]) for f in features} == {
        frozenset({"id", "name", "slug", "status", "municipality", "country", "capacity", "places_available", "url"})
    }


def test_the_public_map_layers_carry_only_the_public_properties(client, world: World):
    add_member(world.group_a, 1, **MEMBER)
    for url in ("/kaart/gebieden.json", "/gemeenten/testdorp/gebieden.json"):
        features = json.loads(body(client.get(url)))["features"]
        assert features
        assert {frozenset(f) for f in features} == {frozenset({"type", "geometry", "properties"})}
        assert {frozenset(f["properties"]) for f in features} == {
            frozenset({"name", "status", "status_label", "municipality", "url"})
        }
