"""Licence plates of Belgium and the Netherlands are written out in their own format."""

from __future__ import annotations

import pytest

from apps.incidents.plates import normalise_plate


@pytest.mark.parametrize(
    ("typed", "text", "country"),
    [
        ("1abc123", "1-ABC-123", "BE"),
        ("1 ABC 123", "1-ABC-123", "BE"),
        ("1.abc.123", "1-ABC-123", "BE"),
        ("abc-123", "ABC-123", "BE"),
        ("123abc", "123-ABC", "BE"),
        ("xb1234", "XB-12-34", "NL"),  # sidecode 1
        ("1234xb", "12-34-XB", "NL"),  # 2
        ("12xb34", "12-XB-34", "NL"),  # 3
        ("xb12xb", "XB-12-XB", "NL"),  # 4
        ("xbxb12", "XB-XB-12", "NL"),  # 5
        ("12xbxb", "12-XB-XB", "NL"),  # 6
        ("12xbd3", "12-XBD-3", "NL"),  # 7
        ("1xbd23", "1-XBD-23", "NL"),  # 8
        ("xb123d", "XB-123-D", "NL"),  # 9
        ("x123bd", "X-123-BD", "NL"),  # 10
        ("xbd12f", "XBD-12-F", "NL"),  # 11
        ("x12bdf", "X-12-BDF", "NL"),  # 12
        ("1xb234", "1-XB-234", "NL"),  # 13
        ("123xb4", "123-XB-4", "NL"),  # 14
        (" gz-123-x ", "GZ-123-X", "NL"),
    ],
)
def test_known_formats_are_written_out(typed, text, country):
    plate = normalise_plate(typed)
    assert (plate.text, plate.country) == (text, country)


def test_a_dutch_plate_seen_in_belgium_stays_dutch():
    assert normalise_plate("GZ123X", prefer="BE").country == "NL"


@pytest.mark.parametrize("typed", ["1-AB?-12", "AB 12", "WOB-AB 123"])
def test_partial_or_foreign_plates_are_kept_as_typed(typed):
    plate = normalise_plate(typed)
    assert plate.country == "" and plate.text == " ".join(typed.upper().split())


def test_empty_plate():
    assert normalise_plate("  ").text == ""
