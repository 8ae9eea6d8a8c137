"""Postcodes and house numbers as residents type them, normalised.

Belgian postcodes are four digits (1000–9999); Dutch ones four digits and two letters
(``6162 AB``), written with or without a space, in any case. Dutch letter pairs SA, SD and
SS are never issued.
"""

from __future__ import annotations

import re
import unicodedata
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


# A Belgian box (apartment) number, as residents write it in Dutch, French, German and English:
# "bus 2", "boîte 2", "bte 2", "box 2", "Bus 2". Kept as one spelling, BUS2.
_BOX_WORD = re.compile(r"^(?:BUS|BOITE|BTE|BOX)(?=[A-Z0-9]*[0-9])")


def normalize_addition(raw: str) -> str:
    """``"a"`` → ``"A"``; ``"bus 2"``, ``"boîte 2"``, ``"bte 2"`` → ``"BUS2"``; ``"-1"`` → ``"1"``."""
    decomposed = unicodedata.normalize("NFKD", raw or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    value = re.sub(r"[\s\-/.]+", "", plain).upper()
    if len(value) > 10 or not re.fullmatch(r"[A-Z0-9]*", value):
        raise ValidationError(_("Enter an addition like A, 2 or bus 3."), code="invalid_addition")
    return _BOX_WORD.sub("BUS", value)


def box_number(addition: str) -> str:
    """The addition without the word for a box: ``"BUS2"`` → ``"2"``; others as they are. A register
    may write a box number either way."""
    return addition[3:] if _is_box(addition) else addition


def _is_box(addition: str) -> bool:
    return addition.startswith("BUS") and bool(_BOX_WORD.match(addition))


def house_number_text(number: int | str, addition: str, country: str = "") -> str:
    """The number as it is written on the door and in a letter: ``12``, ``12A``, ``12-2``, and for
    a Belgian box number ``12 bus 2`` (in Belgium a number after the house number is a box)."""
    if not addition:
        return str(number)
    if _is_box(addition):
        return f"{number} bus {addition[3:]}"
    if addition[0].isdigit() and country == "BE":
        return f"{number} bus {addition}"
    if addition[0].isdigit():
        return f"{number}-{addition}"
    return f"{number}{addition}"
