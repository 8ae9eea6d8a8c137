"""Requests found by fuzzing the API that answered 5xx or another shape than the API's own:
each answers 4xx with ``{"errors": {...}}``, and the OpenAPI document states the limits it checks."""

from __future__ import annotations

import json
import math

import pytest

from apps.relays.models import Broadcast
from testkit.world import World

from .utils import application_json, bearer

LIST = "/api/v1/applications"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def api(client):
    # A server error comes back as the 500 page instead of being raised in the test.
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize("offset", ["99999999999999999999", "9223372036854775808", "2147483648"])
def test_an_offset_beyond_range_is_refused_on_offset(api, world: World, offset):
    response = api.get(f"{LIST}?offset={offset}", headers=bearer(world.coordinator))
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["offset"]


def test_the_largest_offset_the_schema_allows_answers_an_empty_page(api, world: World):
    response = api.get(f"{LIST}?offset=2147483647", headers=bearer(world.coordinator))
    assert response.status_code == 200 and response.json()["items"] == []


@pytest.mark.parametrize(
    "content_type", ["multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=\x00"]
)
def test_a_multipart_body_without_a_boundary_is_refused_in_the_api_shape(api, world: World, content_type):
    from apps.incidents.tests.helpers import report

    incident = report(world)
    response = api.post(
        f"/api/v1/incidents/{incident.pk}/attachments",
        data=b"--x\r\nContent-Disposition: form-data; name=file\r\n\r\nabc\r\n--x--",
        content_type=content_type,
        headers=bearer(world.admin_a),
    )
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert "__all__" in response.json()["errors"] or "file" in response.json()["errors"]


def test_json_nested_too_deeply_is_refused_in_the_api_shape(api, world: World):
    body = '{"urgency": "red", "subject": "a", "text": "b", "area": ' + '{"a": ' * 100_000 + "1" + "}" * 100_001
    response = api.post("/api/v1/broadcasts", data=body, content_type="application/json", headers=bearer(world.police))
    assert response.status_code == 400
    assert response.json() == {"errors": {"__all__": ["The request body is nested too deeply."]}}
    assert not Broadcast.objects.exists()


def test_an_area_of_190000_points_answers_without_a_server_error(api, world: World):
    n = 190_000
    ring = [
        [5.31 + 0.03 * math.cos(2 * math.pi * i / n), 50.75 + 0.02 * math.sin(2 * math.pi * i / n)] for i in range(n)
    ]
    body = {
        "urgency": "green",
        "subject": "Let op",
        "text": "Inbraken.",
        "area": {"type": "Polygon", "coordinates": [ring + [ring[0]]]},
    }
    response = api.post(
        "/api/v1/broadcasts", data=json.dumps(body), content_type="application/json", headers=bearer(world.coordinator)
    )
    assert response.status_code in (201, 400), response.content[:300]
    if response.status_code == 400:
        assert "errors" in response.json()


def test_a_field_longer_than_the_schema_says_is_refused_with_the_limit(api, world: World):
    response = api.post(LIST, application_json(full_name="x" * 161), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"full_name": ["Ensure this value has at most 160 characters."]}


def test_the_two_status_enums_have_their_own_values_in_the_openapi_document(api, db):
    document = api.get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    assert "Status" not in schemas
    group_status = schemas["GroupProperties"]["properties"]["status"]
    application_status = schemas["ApplicationOut"]["properties"]["status"]
    assert "active" in group_status["enum"] and "submitted" not in group_status["enum"]
    assert "submitted" in application_status["enum"] and "active" not in application_status["enum"]


def test_the_openapi_document_states_the_limits_checked(api, db):
    document = api.get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    application = schemas["ApplicationIn"]["properties"]
    assert application["full_name"]["maxLength"] == 160 and application["phone"]["maxLength"] == 25
    assert application["house_rules_version"]["minimum"] == 1
    listing = {p["name"]: p["schema"] for p in document["paths"]["/api/v1/applications"]["get"]["parameters"]}
    assert listing["offset"]["maximum"] == 2147483647 and listing["limit"]["maximum"] == 200
    reject = schemas["RejectIn"]["properties"]["reason"]
    assert reject["minLength"] == 1 and "pattern" in reject


def test_every_operation_that_reads_input_documents_its_refusal(api, db):
    document = api.get("/api/v1/openapi.json").json()
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            if operation.get("parameters") or operation.get("requestBody"):
                assert "400" in operation["responses"], (method, path)
            if operation.get("security"):
                assert "401" in operation["responses"], (method, path)
