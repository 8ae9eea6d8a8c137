"""Open data gives a group's member count as a band, never the exact number."""

from __future__ import annotations

import pytest

from apps.members.bands import MEMBER_BANDS, member_band
from apps.members.models import Member
from testkit.world import World, add_member


@pytest.mark.parametrize(
    ("count", "band"),
    [
        (0, "fewer than 10"),
        (9, "fewer than 10"),
        (10, "10-24"),
        (24, "10-24"),
        (25, "25-49"),
        (49, "25-49"),
        (50, "50-99"),
        (99, "50-99"),
        (100, "100 or more"),
        (1000, "100 or more"),
    ],
)
def test_bands(count, band):
    assert member_band(count) == band


def test_open_data_publishes_bands_only(client, world: World):
    for n in range(1, 13):
        add_member(world.group_a, n)
    gone = add_member(world.group_b, 99)
    Member.objects.filter(pk=gone.pk).update(left_at=gone.joined_at)
    data = client.get("/api/v1/opendata/groups.json").json()
    groups = {g["slug"]: g for g in data["groups"]}
    assert groups["testdorp-noord"]["members"] == "10-24"
    assert groups["testdorp-zuid"]["members"] == "fewer than 10"
    assert data["member_bands"] == [label for _lowest, label in MEMBER_BANDS]
    # No exact count anywhere in a group's entry.
    assert all(not isinstance(g["members"], int) for g in data["groups"])
    assert '"members":12' not in client.get("/api/v1/opendata/groups.json").content.decode()
