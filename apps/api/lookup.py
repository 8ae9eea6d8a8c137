"""Which group covers an address or a point: the public search, as JSON."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

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
)
def lookup(request: HttpRequest, query: Query[LookupQuery]) -> dict:
    address, lon, lat = _find(query)
    # Answered from memory beside the area index: a lookup by point makes no database query.
    areas, on_border = public_lookup.lookup(lon, lat)
    return {
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
        "areas": [{"id": a.id, "name": a.name} for a in areas],
        "groups": [
            {"id": g.id, "name": g.name, "slug": g.slug, "status": g.status, "url": g.url}
            for a in areas
            for g in a.groups
        ],
    }
