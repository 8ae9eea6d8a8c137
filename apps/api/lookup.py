"""Which group covers an address or a point: the public search, as JSON.

The busiest public endpoint, so it does not go through ninja at all
(docs/adr/0009-lookup-as-a-plain-view.md): ``buurtwacht/urls.py`` routes ``GET /api/v1/lookup`` to
``view``, a plain Django view, before the API's own patterns. It validates the query parameters with the
plain pydantic model ``LookupQuery`` and answers with JSON it writes from the in-memory snapshot;
refusals go to the API's own exception handlers (``api.on_exception``), so they are the API's
translated ``400 {"errors": {field: [...]}}``. The ninja operation ``lookup`` runs the same
``answer`` and stays so that the OpenAPI document describes the endpoint: its query parameters
(generated from ``LookupQuery``, as ninja would) and its answers (``LookupOut``, ``ErrorOut``).
``apps/api/tests/test_lookup_route.py`` checks that both answer alike and
``apps/api/tests/test_lookup_contract.py`` that every answer matches ``LookupOut``.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote_plus

import pydantic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router
from ninja.errors import ValidationError as SchemaValidationError
from ninja.openapi.schema import REF_TEMPLATE
from ninja.schema import NinjaGenerateJsonSchema

from apps.addresses.models import Address
from apps.areas.geometry import SERVICE_BOUNDS
from apps.geocoding.services import locate
from apps.groups import public_lookup

from .schemas import ErrorOut, LookupOut, LookupQuery

router = Router(tags=["lookup"])


def _find(query: LookupQuery) -> tuple[Address | None, float, float]:
    """Run the lookup the query asks for; raises ``ValidationError`` per field."""
    has_point = query.lat is not None or query.lon is not None
    has_address = any(v and v.strip() for v in (query.postcode, query.house_number, query.addition))
    if has_point and has_address:
        raise ValidationError(_("Look up either an address or a point, not both."))
    if not has_point and not has_address:
        raise ValidationError(_("Give a postcode and house number, or a point (lat and lon)."))
    if has_point:
        return None, *_checked_point(query.lon, query.lat)
    errors: dict[str, list[str]] = {}
    for field in ("postcode", "house_number"):
        if not (getattr(query, field) or "").strip():
            errors[field] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)
    # Malformed parts come back from the register lookup with their field named.
    address = locate(query.postcode, query.house_number, query.addition or "", query.street or "")
    return address, address.lon, address.lat


def _checked_point(lon: float | None, lat: float | None) -> tuple[float, float]:
    """The point, if both parts are given and it lies in the service area; else ``ValidationError``."""
    errors: dict[str, list[str]] = {}
    min_lon, min_lat, max_lon, max_lat = SERVICE_BOUNDS
    for field, value, low, high in (("lat", lat, min_lat, max_lat), ("lon", lon, min_lon, max_lon)):
        if value is None:
            errors[field] = [_("This field is required.")]
        elif not low <= value <= high:  # also refuses NaN
            errors[field] = [_("This point lies outside Belgium and the Netherlands.")]
    if errors:
        raise ValidationError(errors)
    return lon, lat


# A plain decimal number: what ``float()`` and pydantic read alike (both round correctly).
_PLAIN_NUMBER = re.compile(r"-?[0-9]{1,3}(?:\.[0-9]{1,17})?")


def _plain_point(query: str) -> tuple[float, float] | None:
    """``lat=…&lon=…`` (in either order) with plain decimal numbers and nothing else, what a click
    on the map sends: the point as ``(lon, lat)``, without building ``LookupQuery``. Anything
    else (another parameter, a repeat, an encoding, an exponent, a blank) gives ``None`` and the
    query goes through ``LookupQuery`` (``apps/api/tests/test_lookup_route.py`` compares the two)."""
    first, sep, second = query.partition("&")
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    if not sep or (limit is not None and limit < 2):
        return None
    key1, _eq, value1 = first.partition("=")
    key2, _eq, value2 = second.partition("=")
    if key1 == "lat" and key2 == "lon":
        lat, lon = value1, value2
    elif key1 == "lon" and key2 == "lat":
        lon, lat = value1, value2
    else:
        return None
    match = _PLAIN_NUMBER.fullmatch
    if match(lat) is None or match(lon) is None:
        return None
    return float(lon), float(lat)


def _query_parameters() -> list[dict]:
    """``LookupQuery`` as OpenAPI query parameters, in the form ninja gives a ``Query[...]`` model."""
    schema = LookupQuery.model_json_schema(ref_template=REF_TEMPLATE, schema_generator=NinjaGenerateJsonSchema)
    required = set(schema.get("required", ()))
    parameters = []
    for name, details in schema["properties"].items():
        parameter = {"in": "query", "name": name, "schema": details, "required": name in required}
        if "description" in details:
            parameter["description"] = details["description"]
        parameters.append(parameter)
    return parameters


_FIELDS = frozenset(LookupQuery.model_fields)
_JSON = "application/json; charset=utf-8"


def _parameters(request: HttpRequest) -> dict[str, str]:
    """The lookup's parameters as ninja reads ``request.GET``: the last value of a repeated
    parameter, unknown parameters ignored."""
    query = request.META.get("QUERY_STRING", "")
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    if query.isascii() and (limit is None or query.count("&") < limit):
        # An ASCII query (what browsers and the search form send: anything else arrives
        # percent-encoded) decodes as ``QueryDict`` decodes it, without building one: split on
        # "&", and where there is something to decode ("+" or "%"), the same ``unquote_plus`` in
        # UTF-8 with replacement that ``parse_qsl`` applies (apps/api/tests/test_lookup_route.py
        # compares the two).
        data = {}
        for pair in query.split("&"):
            key, _sep, value = pair.partition("=")
            if "%" in key or "+" in key:
                key = unquote_plus(key)
            if key in _FIELDS:
                data[key] = unquote_plus(value) if "%" in value or "+" in value else value
        return data
    return {key: value for key, value in request.GET.items() if key in _FIELDS}


def _query(request: HttpRequest) -> LookupQuery:
    try:
        return LookupQuery.model_validate(_parameters(request))
    except pydantic.ValidationError as exc:
        # The API's handler for ninja's own validation errors words them per field.
        raise SchemaValidationError(
            [
                {"type": e["type"], "loc": ("query", *e["loc"]), "msg": e["msg"], "ctx": e.get("ctx")}
                for e in exc.errors()
            ]
        ) from None


# Each area's part of the answer as JSON, written once per snapshot of the areas rather than on
# every request: by area id, with the snapshot's object it was written from (a newer snapshot
# has new objects, so its areas are written again).
_fragments: dict[int, tuple[public_lookup.PublicArea, str, str]] = {}


def _fragment(area: public_lookup.PublicArea) -> tuple[public_lookup.PublicArea, str, str]:
    entry = _fragments.get(area.id)
    if entry is None or entry[0] is not area:
        entry = (area, json.dumps(area.public), ", ".join(json.dumps(g.public) for g in area.groups))
        _fragments[area.id] = entry
    return entry


def answer(request: HttpRequest) -> HttpResponse:
    """The answer to a lookup; refused input raises (``ValidationError`` and ninja's, per field)."""
    point = _plain_point(request.META.get("QUERY_STRING", ""))
    if point is not None:
        address, (lon, lat) = None, _checked_point(*point)
    else:
        address, lon, lat = _find(_query(request))
    # Answered from memory beside the area index: a lookup by point makes no database query.
    areas, on_border = public_lookup.lookup(lon, lat)
    parts = [_fragment(a) for a in areas]
    address_json = "null"
    if address is not None:
        address_json = json.dumps(
            {
                "street": address.street,
                "house_number": address.number_text,
                "postcode": address.postcode,
                "town": address.town,
            }
        )
    areas_json = ", ".join(part[1] for part in parts)
    groups_json = ", ".join(part[2] for part in parts if part[2])
    # Written out as ``json.dumps`` of the ``LookupOut`` fields would write it (test_lookup_route.py).
    body = (
        f'{{"point": {{"lat": {lat!r}, "lon": {lon!r}}}, "address": {address_json}, '
        f'"on_border": {"true" if on_border else "false"}, "areas": [{areas_json}], "groups": [{groups_json}]}}'
    )
    return HttpResponse(body, content_type=_JSON, charset="utf-8")  # the charset given: not parsed again


@router.get(
    "/lookup",
    auth=None,
    response={200: LookupOut, 400: ErrorOut},
    summary="Find the groups that cover an address or a point",
    description=(
        "Give `postcode` and `house_number` (and `addition`), or `lat` and `lon`. Malformed input, a point "
        "outside Belgium and the Netherlands and an address that is not in the register all answer 400 with "
        "a message per field (an unknown postcode on `postcode`, an unknown house number on `house_number`). "
        "A known place that no group covers answers 200 with empty `groups`. Where several streets of a "
        "Belgian postcode have the number, the answer is 400 on `street` naming them; ask again with `street`."
    ),
    openapi_extra={"parameters": _query_parameters()},
)
def lookup(request: HttpRequest) -> HttpResponse:
    """What the OpenAPI document describes; ``view`` answers this URL before ninja's patterns."""
    return answer(request)
