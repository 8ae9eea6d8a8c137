"""Mobile phone numbers of Belgium and the Netherlands, parsed with ``phonenumbers``."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ALLOWED_REGIONS = ("BE", "NL")
_MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


def normalize_mobile(raw: str, default_region: str = "BE") -> str:
    """``0470 12 34 56`` (with BE as default), ``+31 6 12345678``, ``0031612345678`` → E.164.

    National forms are read in ``default_region`` (the municipality's country); a national
    number that is not a mobile there is also tried in the other country, since residents of
    border towns often have a phone from across the border.
    """
    text = (raw or "").strip()
    if not text:
        raise ValidationError(_("Enter your mobile phone number."), code="required")
    if text.startswith("00"):
        text = "+" + text[2:]
    regions = [default_region] + [r for r in ALLOWED_REGIONS if r != default_region]
    last_error = _("Enter a mobile number from Belgium or the Netherlands, e.g. 0470 12 34 56 or 06 12345678.")
    for region in regions if not text.startswith("+") else [None]:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_valid_number(number):
            continue
        if phonenumbers.region_code_for_number(number) not in ALLOWED_REGIONS:
            last_error = _("Only Belgian and Dutch mobile numbers can join a group.")
            continue
        if phonenumbers.number_type(number) not in _MOBILE_TYPES:
            last_error = _("This is a landline number. WhatsApp needs a mobile number.")
            continue
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise ValidationError(last_error, code="invalid_phone")


def display(e164: str) -> str:
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164
