"""The lookup endpoint writes its JSON itself (docs/adr/0008-fast-public-lookup.md): every answer
must still be exactly what its documented schemas, ``LookupOut`` and ``ErrorOut``, allow."""

from __future__ import annotations

import pytest

from apps.api.schemas import ErrorOut, LookupOut
from testkit.world import World

URL = "/api/v1/lookup"


@pytest.mark.parametrize(
    "query",
    [
        {"postcode": "3870", "house_number": "1"},
        {"postcode": "3870", "house_number": "3"},
        {"lat": "50.75", "lon": "5.31"},
        {"lat": "50.745", "lon": "5.31"},
        {"postcode": "3871", "house_number": "5"},
    ],
)
def test_every_answer_is_what_lookup_out_describes(client, world: World, query):
    response = client.get(URL, query)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    # Nothing more and nothing less than the schema: a field it does not declare cannot leak out.
    assert LookupOut.model_validate(body).model_dump(mode="json") == body


@pytest.mark.parametrize("query", [{}, {"lat": "abc", "lon": "5.31"}, {"postcode": "9999", "house_number": "1"}])
def test_refusals_are_what_error_out_describes(client, world: World, query):
    response = client.get(URL, query)
    assert response.status_code == 400
    body = response.json()
    assert ErrorOut.model_validate(body).model_dump(exclude_unset=True) == body


def test_query_parameters_are_documented(client, db):
    operation = client.get("/api/v1/openapi.json").json()["paths"][URL]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert list(parameters) == ["postcode", "house_number", "addition", "street", "lat", "lon"]
    assert all(p["in"] == "query" and p["required"] is False for p in parameters.values())
    assert parameters["lat"]["schema"]["anyOf"][0] == {"type": "number"}
    assert set(operation["responses"]) == {"200", "400"}


def test_repeated_parameter_counts_its_last_value_and_unknown_ones_are_ignored(client, world: World):
    body = client.get(URL + "?lat=1&lat=50.745&lon=5.31&zoom=3").json()
    assert body["point"] == {"lat": 50.745, "lon": 5.31}
