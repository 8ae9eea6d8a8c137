"""Address register lookups, as residents type addresses."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from apps.addresses.services import find_address
from apps.core.testing import World
from apps.groups.lookup import lookup_address, lookup_point


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
