"""Address lookups against the register."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import Address
from .normalize import normalize_addition, normalize_postcode, split_house_number


def find_address(postcode: str, house_number: str | int, addition: str = "") -> Address:
    """The register's address for what a resident typed, or a ``ValidationError`` saying
    which part to check."""
    code = normalize_postcode(postcode)
    number, inline_addition = split_house_number(str(house_number))
    addition = normalize_addition(addition) or inline_addition
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
