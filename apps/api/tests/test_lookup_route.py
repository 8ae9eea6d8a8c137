"""GET /api/v1/lookup is answered by a plain Django view routed before the API's own patterns
(docs/adr/0009-lookup-as-a-plain-view.md). It must answer exactly as the documented ninja
operation would, and the OpenAPI document must still describe it."""

from __future__ import annotations

import json
import random

import pytest
from django.core.exceptions import TooManyFieldsSent
from django.http import QueryDict
from django.test import RequestFactory, override_settings
from django.urls import include, path, resolve

from apps.api import fast_lookup, lookup
from apps.api.schemas import LookupQuery
from testkit.world import World

URL = "/api/v1/lookup"

# This module is also a URL map: the API alone, as it was before the plain view, so that the
# same request can be put to the ninja operation.
urlpatterns = [path("api/v1/", include("apps.api.urls"))]

QUERIES = [
    "postcode=3870&house_number=1",
    "postcode=3870&house_number=3",  # on the border: two groups
    "postcode=6211ab&house_number=10",
    "postcode=3870&house_number=2a",
    "postcode=3871&house_number=5",  # no group covers it
    "lat=50.75&lon=5.31",  # on the border
    "lat=50.745&lon=5.31",
    "lat=50.7450&lon=5.3100&zoom=3",  # an unknown parameter is ignored
    "lat=1&lat=50.745&lon=5.31",  # the last value counts
    "lat=%2050.745&lon=5.31",  # percent-encoded
    "postcode=6211+AB&house_number=10",  # "+" is a space
    "lat=50.75",
    "lat=50.75&lon=",
    "lat=abc&lon=5.31",
    "lat=nan&lon=5.31",
    "lat=inf&lon=5.31",
    "lat=48.85&lon=2.35",
    "lat=4.89&lon=52.37",
    "",
    "&&=&lat",
    "postcode=3870&house_number=1&lat=50.75&lon=5.31",
    "postcode=38&house_number=1",
    "postcode=3870&house_number=abc",
    "postcode=3870&house_number=1&addition=a%20b/c!",
    "postcode=9999&house_number=1",
    "postcode=Z%C3%BCrich&house_number=1",
    "postcode=\xc3\xa9&house_number=1",  # raw UTF-8 bytes, as WSGI hands them over (latin-1)
]


def _get(client, query: str, **headers):
    return client.generic("GET", URL, QUERY_STRING=query, headers=headers)


def test_the_url_resolves_to_the_plain_view():
    assert resolve(URL).func is fast_lookup.view


def test_the_api_alone_resolves_the_url_to_the_ninja_operation():
    with override_settings(ROOT_URLCONF=__name__):
        match = resolve(URL)
    assert match.func is not fast_lookup.view
    assert match.namespace == "api-v1"


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("language", ["nl", "fr"])
def test_plain_view_answers_exactly_as_the_ninja_operation(client, world: World, query, language):
    plain = _get(client, query, accept_language=language)
    with override_settings(ROOT_URLCONF=__name__):
        ninja = _get(client, query, accept_language=language)
    assert plain.status_code == ninja.status_code
    assert plain.status_code in (200, 400)
    assert plain.content == ninja.content
    assert plain.headers == ninja.headers


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "HEAD", "OPTIONS"])
def test_other_methods_are_refused_as_ninja_refuses_them(client, world: World, method):
    plain = client.generic(method, URL, QUERY_STRING="lat=50.745&lon=5.31")
    with override_settings(ROOT_URLCONF=__name__):
        ninja = client.generic(method, URL, QUERY_STRING="lat=50.745&lon=5.31")
    assert plain.status_code == ninja.status_code == 405
    assert plain["Allow"] == ninja["Allow"] == "GET"


def test_the_answer_is_written_as_json_dumps_writes_it(client, world: World):
    for query in ("lat=50.75&lon=5.31", "postcode=3870&house_number=3", "postcode=3871&house_number=5"):
        response = _get(client, query)
        assert response.status_code == 200
        assert response.content.decode() == json.dumps(response.json())


def test_the_openapi_document_still_describes_the_endpoint(client, db):
    operation = client.get("/api/v1/openapi.json").json()["paths"][URL]["get"]
    assert [p["name"] for p in operation["parameters"]] == [
        "postcode",
        "house_number",
        "addition",
        "street",
        "lat",
        "lon",
    ]
    assert set(operation["responses"]) == {"200", "400"}
    assert "security" not in operation


def _expected(query: str) -> dict[str, str]:
    return {key: value for key, value in QueryDict(query.encode("iso-8859-1")).items() if key in lookup._FIELDS}


def test_query_string_is_read_as_request_get_reads_it():
    factory = RequestFactory()
    rng = random.Random(3)
    alphabet = ["lat", "lon", "postcode", "street", "x", "=", "&", "&", "+", "%20", "%41", "%", "5", ".", "-", "é", ";"]
    # Percent-encoded UTF-8 (whole, cut short, invalid) and encoded separators: decoded alike.
    alphabet += ["%C3", "%A9", "%C3%A9", "%FF", "%2B", "%2b", "%3D", "%26", "%6Cat", "l%61t"]
    queries = [*QUERIES, "lat=5=6", "lat&lon", "=&=", "a;lat=5", "lat=%zz", "LAT=5"]
    queries += ["postcode=3870&house_number=12&street=Sint-Truidersteenweg+%C3%A9n%FF", "post%63ode=6221+AB"]
    queries += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14))) for _ in range(2000)]
    for query in queries:
        query = query.encode().decode("iso-8859-1")  # as WSGI passes it on
        request = factory.get(URL, QUERY_STRING=query)
        assert lookup._parameters(request) == _expected(query), query


def test_a_plain_point_is_read_as_lookup_query_reads_it():
    """A map click's ``lat=…&lon=…`` skips ``LookupQuery``: the same floats, and every other
    query (another parameter, a repeat, an encoding, an exponent, a blank) still goes through it."""
    rng = random.Random(5)
    digits = "0123456789"

    def number() -> str:
        if rng.random() < 0.8:  # plain: 1 to 3 digits, maybe a sign and up to 17 decimals
            whole = "".join(rng.choice(digits) for _ in range(rng.randint(1, 3)))
            fraction = "".join(rng.choice(digits) for _ in range(rng.randint(0, 17)))
            return rng.choice(["", "", "-"]) + whole + ("." + fraction if fraction else "")
        whole = "".join(rng.choice(digits) for _ in range(rng.randint(0, 4)))
        fraction = "".join(rng.choice(digits) for _ in range(rng.randint(0, 19)))
        sign = rng.choice(["", "", "", "", "", "-", "+", " "])
        tail = "" if rng.random() < 0.7 else rng.choice(["e1", "e-2", " ", "%20", "_1", "abc", ".", "0x1"])
        return sign + whole + (rng.choice([".", ".", ","]) + fraction if fraction or rng.random() < 0.1 else "") + tail

    queries = [*QUERIES, "lat=50.75&lon=5.31", "lon=5.31&lat=50.75", "lat=050.750&lon=-05.3", "lat=50.&lon=5"]
    for _ in range(4000):
        first, second = rng.choice(
            [("lat", "lon"), ("lon", "lat"), ("lat", "lon"), ("lat", "lat"), ("lon", "postcode"), ("LAT", "lon")]
        )
        query = f"{first}={number()}&{second}={number()}"
        if rng.random() < 0.05:
            query += rng.choice(["&", "&zoom=3", "&lat=1"])
        queries.append(query)
    fast = 0
    for query in queries:
        point = lookup._plain_point(query)
        if point is None:
            continue
        fast += 1
        model = LookupQuery.model_validate(_expected(query))
        assert point == (model.lon, model.lat), query
    assert fast > 500  # the generator reaches the plain path often enough for this to mean something
    assert lookup._plain_point("lat=50.75&lon=5.31") == (5.31, 50.75)
    assert lookup._plain_point("lat=50.75&lon=5.31&lat=1") is None
    assert lookup._plain_point("lat=50.75&lon=") is None
    assert lookup._plain_point("lat=1e1&lon=5.31") is None


@override_settings(DATA_UPLOAD_MAX_NUMBER_FIELDS=1)
def test_a_plain_point_over_the_parameter_limit_takes_the_general_path():
    assert lookup._plain_point("lat=50.75&lon=5.31") is None


def test_too_many_parameters_are_refused_as_request_get_refuses_them(settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    factory = RequestFactory()
    assert lookup._parameters(factory.get(URL, QUERY_STRING="a=1&b=2&lat=3")) == {"lat": "3"}
    with pytest.raises(TooManyFieldsSent):
        lookup._parameters(factory.get(URL, QUERY_STRING="a=1&b=2&c=3&lat=4"))


def test_too_many_parameters_answer_400(client, world: World, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    assert _get(client, "a=1&b=2&c=3&lat=50.745&lon=5.31").status_code == 400
