"""Where an incident happened, from what people know: an address (street and number, with the
postcode where that is not enough) looked up in the register or the municipality's geocoder.

With a postcode, ``geocoding.services.locate`` answers (the municipality's geocoder, else the
register; "which street?" where the number is in several streets of a Belgian postcode).
Without one, the register is searched for the street and number in the municipalities the
report can belong to; a street in several postcodes is asked for its postcode, never guessed.
Every refusal is a ValidationError naming the field to correct: ``street``, ``house_number`` or
``postcode``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.addresses.models import Address
from apps.addresses.normalize import split_house_number
from apps.addresses.services import street_key
from apps.geocoding.services import locate

# "Meidoornstraat 5", "Noordstraat 1A, 3870 Testdorp", "Markt 10, 6211 AB Grensstad".
_FREE_TEXT = re.compile(
    r"^\s*(?P<street>[^\d,]*[^\W\d][^\d,]*?)\s+(?P<number>\d+(?:\s*-?\s*[A-Za-z])?)\s*"
    r"(?:,?\s*(?P<postcode>\d{4}(?:\s*[A-Za-z]{2}(?![A-Za-z]))?)\b[\s\w'-]*)?\s*$"
)


def parse_free_text(text: str) -> dict[str, str] | None:
    """Street, number and postcode from one line as people write it, or None."""
    match = _FREE_TEXT.match(text or "")
    if not match:
        return None
    return {
        "street": " ".join(match.group("street").split()),
        "house_number": match.group("number").replace(" ", "").replace("-", ""),
        "postcode": (match.group("postcode") or "").strip(),
    }


def address_line(address: Address) -> str:
    number = address.number_text
    return f"{address.street} {number}, {address.postcode} {address.town}".strip()


def resolve(*, street: str, house_number: str, postcode: str, municipality_ids: Iterable[int] | None) -> Address:
    """The register's address for what was typed; ``municipality_ids`` are where a street
    without postcode is looked for (None: everywhere)."""
    street, house_number, postcode = street.strip(), house_number.strip(), postcode.strip()
    if not house_number:
        raise ValidationError({"house_number": _("Give the house number.")}, code="required")
    if postcode:
        try:
            return locate(postcode, house_number, "", street)
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "addition" in exc.error_dict:
                errors = dict(exc.error_dict)
                errors.setdefault("house_number", []).extend(errors.pop("addition"))
                raise ValidationError(errors) from None
            raise
    if not street:
        raise ValidationError({"street": _("Give the street, or the postcode.")}, code="required")
    try:
        number, addition = split_house_number(house_number)
    except ValidationError as exc:
        raise ValidationError({"house_number": exc.messages}) from None
    candidates = Address.objects.filter(house_number=number)
    if municipality_ids is None:
        candidates = candidates.filter(street__iexact=street)
    else:
        candidates = candidates.filter(municipality_id__in=list(municipality_ids))
    wanted = street_key(street)
    matching = [a for a in candidates.order_by("postcode", "addition", "id") if street_key(a.street) == wanted]
    if not matching:
        raise ValidationError(
            {
                "street": _(
                    "We do not find %(street)s %(number)s. Check the street and the number, or give the postcode."
                )
                % {"street": street, "number": house_number}
            },
            code="unknown",
        )
    postcodes = sorted({a.postcode for a in matching})
    if len(postcodes) > 1:
        raise ValidationError(
            {
                "postcode": _("%(street)s %(number)s is in more than one postcode: %(postcodes)s. Give the postcode.")
                % {"street": matching[0].street, "number": number, "postcodes": ", ".join(postcodes)}
            },
            code="ambiguous",
        )
    for address in matching:
        if address.addition == addition:
            return address
    if not addition:
        return matching[0]
    raise ValidationError(
        {"house_number": _("Addition %(addition)s is not known for this house number.") % {"addition": addition}},
        code="unknown",
    )
