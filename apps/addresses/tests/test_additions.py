"""Additions as residents write them: a letter, a number, and a Belgian box ("bus 2", "boîte 2",
"bte 2"), whichever way the register spells it; and where two streets share a number, the
addition decides when only one of them has it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from apps.addresses.models import Address
from apps.addresses.normalize import box_number, house_number_text, normalize_addition
from apps.addresses.services import AmbiguousAddress, find_address
from testkit.world import World


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("a", "A"),
        (" 2 ", "2"),
        ("-1", "1"),
        ("bus 2", "BUS2"),
        ("Bus 2", "BUS2"),
        ("boîte 2", "BUS2"),
        ("BOÎTE 2", "BUS2"),
        ("bte 2", "BUS2"),
        ("bte. 2", "BUS2"),
        ("box 12", "BUS12"),
        ("bus 0.1", "BUS01"),
        ("boîte 2b", "BUS2B"),
        ("bis", "BIS"),
        ("boxer", "BOXER"),  # not a box: no number follows the word
        ("", ""),
    ],
)
def test_additions_are_kept_in_one_spelling(typed, kept):
    assert normalize_addition(typed) == kept


@pytest.mark.parametrize("typed", ["bus 2!", "2#", "boîte 12345678901", "2½", "<b>"])
def test_malformed_additions_are_refused_with_a_translated_example(typed):
    for language, example in (("nl", "bus 3"), ("fr", "boîte 3")):
        with translation.override(language), pytest.raises(ValidationError) as excinfo:
            normalize_addition(typed)
        assert example in excinfo.value.messages[0]


def test_box_numbers_and_how_a_number_is_written():
    assert [box_number(a) for a in ("BUS2", "2", "A", "BUS", "BUSA")] == ["2", "2", "A", "BUS", "BUSA"]
    assert house_number_text(12, "") == "12"
    assert house_number_text(12, "A") == "12A"
    assert house_number_text(12, "2") == "12-2"
    assert house_number_text(12, "BUS2") == "12 bus 2"
    assert house_number_text(12, "2", "BE") == "12 bus 2"  # a Belgian register's bare box number
    assert house_number_text(12, "2", "NL") == "12-2"
    assert str(Address(street="Kerkstraat", house_number=7, addition="BUS3", postcode="3870", town="Heers")) == (
        "Kerkstraat 7 bus 3, 3870 Heers"
    )


def _address(world: World, street: str, number: int, addition: str = "") -> Address:
    return Address.objects.create(
        country="BE",
        postcode="3870",
        house_number=number,
        addition=addition,
        street=street,
        town="Testdorp",
        lon=5.301,
        lat=50.746,
        municipality=world.testdorp,
    )


@pytest.mark.parametrize("typed", ["bus 2", "boîte 2", "bte 2", "2", "BUS2"])
def test_a_box_is_found_whichever_way_the_register_writes_it(world: World, typed):
    plain = _address(world, "Kerkstraat", 40, "2")
    worded = _address(world, "Kerkstraat", 41, "BUS2")
    assert find_address("3870", "40", typed) == plain
    assert find_address("3870", "41", typed) == worded


def test_an_unknown_box_is_named_as_the_resident_wrote_it(world: World):
    _address(world, "Kerkstraat", 40, "2")
    with translation.override("nl"), pytest.raises(ValidationError) as excinfo:
        find_address("3870", "40", "boîte 9")
    assert excinfo.value.message_dict == {"addition": ["Toevoeging bus 9 is niet bekend voor dit huisnummer."]}


def test_the_addition_picks_the_street_when_only_one_has_it(world: World):
    _address(world, "Akkerstraat", 197)
    wanted = _address(world, "Processieweg", 197, "B")
    _address(world, "Processieweg", 197)
    assert find_address("3870", "197B") == wanted
    assert find_address("3870", "197", "b") == wanted


def test_only_the_streets_with_the_addition_are_offered(world: World):
    _address(world, "Akkerstraat", 197, "B")
    _address(world, "Processieweg", 197, "B")
    _address(world, "Zavelweg", 197)
    with pytest.raises(AmbiguousAddress) as excinfo:
        find_address("3870", "197B")
    assert excinfo.value.streets == ["Akkerstraat", "Processieweg"]
    with pytest.raises(AmbiguousAddress) as excinfo:
        find_address("3870", "197")
    assert excinfo.value.streets == ["Akkerstraat", "Processieweg", "Zavelweg"]


def test_an_addition_no_street_has_is_refused_before_any_street_is_asked(world: World):
    _address(world, "Akkerstraat", 197)
    _address(world, "Processieweg", 197)
    with pytest.raises(ValidationError) as excinfo:
        find_address("3870", "197C")
    assert not isinstance(excinfo.value, AmbiguousAddress)
    assert list(excinfo.value.message_dict) == ["addition"]
