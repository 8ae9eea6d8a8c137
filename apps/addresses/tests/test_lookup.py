"""Address register lookups, as residents type addresses."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from apps.addresses.services import find_address
from apps.groups.lookup import lookup_address, lookup_point
from testkit.world import World, add_second_street


@pytest.mark.parametrize(("postcode", "number"), [("3870", "1"), (" 3870 ", " 1 "), ("3870", "1")])
def test_belgian_address(world: World, postcode, number):
    assert find_address(postcode, number).street == "Noordstraat"


@pytest.mark.parametrize("postcode", ["6211AB", "6211 ab", "6211  AB", " 6211ab "])
def test_dutch_postcode_any_spelling(world: World, postcode):
    assert find_address(postcode, "10").street == "Markt"


def test_additions(world: World):
    assert find_address("3870", "2", "a").addition == "A"
    assert find_address("3870", "2A").addition == "A"
    assert find_address("3870", "2").addition == ""
    with pytest.raises(ValidationError) as excinfo:
        find_address("3870", "2", "Z")
    assert "addition" in excinfo.value.message_dict


@pytest.mark.parametrize(
    ("postcode", "number", "field"),
    [("9999", "1", "postcode"), ("3870", "77", "house_number"), ("38", "1", None), ("3870", "abc", None)],
)
def test_unknown_or_malformed(world: World, postcode, number, field):
    with pytest.raises(ValidationError) as excinfo:
        find_address(postcode, number)
    if field:
        assert field in excinfo.value.message_dict


def test_lookup_finds_group_and_border(world: World):
    assert lookup_address("3870", "1").group == world.group_a
    border = lookup_address("3870", "3")
    assert border.on_border and [g.pk for g in border.groups] == sorted([world.group_a.pk, world.group_b.pk])
    assert lookup_address("3871", "5").group is None
    assert lookup_point(5.69, 50.85).group == world.group_nl


def test_closed_group_is_not_offered(world: World):
    world.group_a.status = "closed"
    world.group_a.save()
    assert lookup_address("3870", "1").group is None


def test_belgian_postcode_with_the_number_in_two_streets_asks_for_the_street(world: World):
    from apps.addresses.services import AmbiguousAddress

    add_second_street(world)
    with pytest.raises(AmbiguousAddress) as excinfo:
        find_address("3870", "1")
    assert excinfo.value.streets == ["Noordstraat", "Sint-Jansstraat"]
    assert "street" in excinfo.value.message_dict
    # spelled as residents spell it
    assert find_address("3870", "1", street="sint jansstraat").street == "Sint-Jansstraat"
    assert find_address("3870", "1", street="NOORDSTRAAT ").street == "Noordstraat"
    with pytest.raises(AmbiguousAddress):
        find_address("3870", "1", street="Kerkstraat")
    # the street decides the group
    assert lookup_address("3870", "1", street="Sint-Jansstraat").group == world.group_b
    # where the number is unique, a misspelt street does not stand in the way
    assert find_address("6211 AB", "10", street="Merkt").street == "Markt"


@pytest.mark.parametrize(
    ("postcode", "number", "addition", "fields"),
    [
        ("38", "1", "", {"postcode"}),
        ("3870", "abc", "", {"house_number"}),
        ("x", "y", "!!", {"postcode", "house_number", "addition"}),
    ],
)
def test_malformed_parts_are_named_per_field(world: World, postcode, number, addition, fields):
    with pytest.raises(ValidationError) as excinfo:
        find_address(postcode, number, addition)
    assert set(excinfo.value.message_dict) == fields
