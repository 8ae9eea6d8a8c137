"""Postcodes and house numbers as residents type them, normalised.

Belgian postcodes are four digits (1000–9999); Dutch ones four digits and two letters
(``6162 AB``), written with or without a space, in any case. Dutch letter pairs SA, SD and
SS are never issued.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_POSTCODE = re.compile(r"^\s*([1-9][0-9]{3})\s*([A-Za-z]{2})?\s*$")
_HOUSE_NUMBER = re.compile(r"^\s*([1-9][0-9]{0,4})\s*[-/]?\s*([A-Za-z0-9]{0,6})\s*$")
_NL_FORBIDDEN = {"SA", "SD", "SS"}


@dataclass(frozen=True)
class Postcode:
    value: str
    country: str


def normalize_postcode(raw: str) -> Postcode:
    match = _POSTCODE.match(raw or "")
    if not match:
        raise ValidationError(
            _("Enter a postcode like 3870 (Belgium) or 6162 AB (the Netherlands)."), code="invalid_postcode"
        )
    digits, letters = match.group(1), match.group(2)
    if letters is None:
        return Postcode(digits, "BE")
    letters = letters.upper()
    if letters in _NL_FORBIDDEN:
        raise ValidationError(_("%(postcode)s is not a Dutch postcode."), params={"postcode": f"{digits} {letters}"})
    return Postcode(f"{digits} {letters}", "NL")


def split_house_number(raw: str) -> tuple[int, str]:
    """``"12"`` → (12, ""); ``"12a"``, ``"12 A"``, ``"12-A"`` → (12, "A"); ``"12 bus 3"`` is not
    accepted here: the addition goes in its own field."""
    match = _HOUSE_NUMBER.match(str(raw or ""))
    if not match:
        raise ValidationError(_("Enter a house number like 12 or 12A."), code="invalid_house_number")
    return int(match.group(1)), match.group(2).upper()


def normalize_addition(raw: str) -> str:
    value = re.sub(r"[\s\-/]+", "", raw or "").upper()
    if len(value) > 10 or not re.fullmatch(r"[A-Z0-9]*", value):
        raise ValidationError(_("Enter an addition like A, 2 or BUS3."), code="invalid_addition")
    return value
