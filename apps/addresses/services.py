"""Address lookups against the register.

A Dutch postcode with a house number names one address. A Belgian postcode covers a whole
(sub-)municipality in which every street starts again at 1, so there the street decides when
several streets share the number; the resident is asked to choose, never guessed for.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import Address
from .normalize import normalize_addition, normalize_postcode, split_house_number


class AmbiguousAddress(ValidationError):
    """Several streets in the postcode have this number; ``streets`` lists them."""

    def __init__(self, message: str, streets: list[str]):
        super().__init__({"street": message}, code="ambiguous")
        self.streets = streets


def street_key(name: str) -> str:
    """``"Sint-Jansstraat"``, ``"sint jansstraat"`` and ``"Sint Jansstraat "`` compare equal."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]", "", plain.casefold())


def parse_address_parts(postcode: str, house_number: str | int, addition: str):
    errors: dict[str, list[str]] = {}
    code = number = None
    extra = ""
    try:
        code = normalize_postcode(postcode)
    except ValidationError as exc:
        errors["postcode"] = exc.messages
    try:
        number, extra = split_house_number(str(house_number))
    except ValidationError as exc:
        errors["house_number"] = exc.messages
    try:
        addition = normalize_addition(addition)
    except ValidationError as exc:
        errors["addition"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return code, number, addition or extra


def find_address(postcode: str, house_number: str | int, addition: str = "", street: str = "") -> Address:
    """The register's address for what a resident typed, or a ``ValidationError`` naming the
    field to correct. ``street`` is only used where the postcode and number are not enough."""
    code, number, addition = parse_address_parts(postcode, house_number, addition)
    candidates = list(Address.objects.filter(postcode=code.value, house_number=number))
    if not candidates:
        if not Address.objects.filter(postcode=code.value).exists():
            raise ValidationError(
                {"postcode": _("We do not know postcode %(postcode)s.") % {"postcode": code.value}}, code="unknown"
            )
        message = _("House number %(number)s is not in postcode %(postcode)s.") % {
            "number": number,
            "postcode": code.value,
        }
        raise ValidationError({"house_number": message}, code="unknown")
    streets = sorted({c.street for c in candidates})
    if len(streets) > 1:
        wanted = street_key(street)
        matching = [c for c in candidates if street_key(c.street) == wanted] if wanted else []
        if not matching:
            values = {"number": number, "postcode": code.value, "streets": ", ".join(streets)}
            if wanted:
                message = _("In %(postcode)s, number %(number)s is in these streets: %(streets)s. Choose yours.")
            else:
                message = _("Several streets in %(postcode)s have number %(number)s: %(streets)s. Choose yours.")
            raise AmbiguousAddress(message % values, streets)
        candidates = matching
    for candidate in candidates:
        if candidate.addition == addition:
            return candidate
    if not addition:
        # "12" when the register only has 12A and 12B: any of them lies in the same building.
        return sorted(candidates, key=lambda a: a.addition)[0]
    raise ValidationError(
        {"addition": _("Addition %(addition)s is not known for this house number.") % {"addition": addition}},
        code="unknown",
    )
