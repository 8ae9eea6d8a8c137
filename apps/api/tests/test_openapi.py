"""The OpenAPI document describes every endpoint, and says which ones need a token."""

from __future__ import annotations

EXPECTED = {
    ("get", "/api/v1/groups"): False,
    ("get", "/api/v1/lookup"): False,
    ("post", "/api/v1/applications"): False,
    ("get", "/api/v1/applications"): True,
    ("get", "/api/v1/applications/{application_id}"): True,
    ("post", "/api/v1/applications/{application_id}/approve"): True,
    ("post", "/api/v1/applications/{application_id}/reject"): True,
    ("get", "/api/v1/groups/{group_id}/members"): True,
    ("post", "/api/v1/incidents"): True,
    ("get", "/api/v1/incidents/{incident_id}"): True,
    ("post", "/api/v1/incidents/{incident_id}/relays"): True,
    ("post", "/api/v1/incidents/{incident_id}/attachments"): True,
    ("get", "/api/v1/relays/{relay_id}"): True,
    ("post", "/api/v1/relays/{relay_id}/decision"): True,
    ("post", "/api/v1/broadcasts"): True,
    ("post", "/api/v1/groups"): True,
    ("patch", "/api/v1/groups/{group_id}"): True,
    ("get", "/api/v1/groups/{group_id}/admins"): True,
    ("post", "/api/v1/groups/{group_id}/admins"): True,
    ("delete", "/api/v1/groups/{group_id}/admins/{user_id}"): True,
    ("get", "/api/v1/police-zones"): True,
    ("post", "/api/v1/police-zones"): True,
    ("patch", "/api/v1/police-zones/{zone_id}"): True,
    ("get", "/api/v1/areas.geojson"): False,
    ("get", "/api/v1/opendata/groups.json"): False,
    ("get", "/api/v1/municipalities/{municipality_id}/figures"): True,
    ("get", "/api/v1/police-zones/{zone_id}/figures"): True,
}


def test_openapi_document_lists_every_endpoint_with_its_authentication(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Buurtwacht API"
    assert document["info"]["version"] == "1"
    operations = {
        (method, path): bool(operation.get("security"))
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }
    assert operations == EXPECTED
    assert document["components"]["securitySchemes"]["ApiTokenAuth"] == {"type": "http", "scheme": "bearer"}


def test_application_body_is_documented_with_its_fields(client, db):
    document = client.get("/api/v1/openapi.json").json()
    body = document["paths"]["/api/v1/applications"]["post"]["requestBody"]["content"]["application/json"]
    ref = body["schema"]["$ref"].rsplit("/", 1)[-1]
    fields = set(document["components"]["schemas"][ref]["properties"])
    assert fields == {
        "group",
        "full_name",
        "street",
        "house_number",
        "addition",
        "postcode",
        "town",
        "birth_date",
        "phone",
        "email",
        "accept_house_rules",
        "house_rules_version",
        "alerts_opt_in",
        "waiting_list",
        "offers_to_help",
        "works_here",
        "workplace_name",
        "remark",
        "website",
    }


def test_interactive_docs_are_served(client, db):
    assert client.get("/api/v1/docs").status_code == 200
