"""Which group covers an address or a point: the public search, as JSON.

The busiest public endpoint, so it skips ninja's per-request work that this one endpoint does not
need (docs/adr/0008-fast-public-lookup.md): it validates ``request.GET`` with the plain pydantic
model ``LookupQuery`` itself, and answers with JSON it wrote from the in-memory snapshot instead of
having ninja validate the answer again. The OpenAPI document still describes the query parameters
(generated from ``LookupQuery``, as ninja would) and the answers (``LookupOut``, ``ErrorOut``);
``apps/api/tests/test_lookup_contract.py`` checks that every answer matches ``LookupOut``.
"""

from __future__ import annotations

import json

import pydantic
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
    errors: dict[str, list[str]] = {}
    if has_point:
        min_lon, min_lat, max_lon, max_lat = SERVICE_BOUNDS
        for field, value, low, high in (("lat", query.lat, min_lat, max_lat), ("lon", query.lon, min_lon, max_lon)):
            if value is None:
                errors[field] = [_("This field is required.")]
            elif not low <= value <= high:  # also refuses NaN
                errors[field] = [_("This point lies outside Belgium and the Netherlands.")]
        if errors:
            raise ValidationError(errors)
        return None, query.lon, query.lat
    for field in ("postcode", "house_number"):
        if not (getattr(query, field) or "").strip():
            errors[field] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)
    # Malformed parts come back from the register lookup with their field named.
    address = locate(query.postcode, query.house_number, query.addition or "", query.street or "")
    return address, address.lon, address.lat


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


_FIELDS = tuple(LookupQuery.model_fields)
_JSON = "application/json; charset=utf-8"


def _query(request: HttpRequest) -> LookupQuery:
    # As ninja reads a query: the last value of a repeated parameter, unknown parameters ignored.
    data = {key: request.GET[key] for key in _FIELDS if key in request.GET}
    try:
        return LookupQuery.model_validate(data)
    except pydantic.ValidationError as exc:
        # The API's handler for ninja's own validation errors words them per field.
        raise SchemaValidationError(
            [
                {"type": e["type"], "loc": ("query", *e["loc"]), "msg": e["msg"], "ctx": e.get("ctx")}
                for e in exc.errors()
            ]
        ) from None


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
    address, lon, lat = _find(_query(request))
    # Answered from memory beside the area index: a lookup by point makes no database query.
    areas, on_border = public_lookup.lookup(lon, lat)
    body = {
        "point": {"lat": lat, "lon": lon},
        "address": (
            {
                "street": address.street,
                "house_number": f"{address.house_number}{address.addition}",
                "postcode": address.postcode,
                "town": address.town,
            }
            if address is not None
            else None
        ),
        "on_border": on_border,
        "areas": [a.public for a in areas],
        "groups": [g.public for a in areas for g in a.groups],
    }
    return HttpResponse(json.dumps(body), content_type=_JSON)
