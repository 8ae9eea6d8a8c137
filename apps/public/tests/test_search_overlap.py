"""A place inside two groups' areas (the Baarle enclaves: Belgian land inside the Netherlands,
and areas that overlap across the border) lists both groups and says the resident may choose."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.translation import ngettext, override

from apps.areas.services import save_area
from apps.core.actors import SYSTEM
from apps.groups.models import Group
from apps.groups.services import save_group
from testkit.world import World, box

from .helpers import says

SEARCH = reverse("public:search")


def choice_sentence(kind: str, count: int) -> str:
    """The sentence the page shows, in Dutch (the default language), as the catalogue has it."""
    with override("nl"):
        if kind == "address":
            text = ngettext(
                "This address lies in the area of %(counter)s group.",
                "This address lies in the areas of %(counter)s groups. You may choose which of them you join.",
                count,
            )
        else:
            text = ngettext(
                "This place lies in the area of %(counter)s group.",
                "This place lies in the areas of %(counter)s groups. You may choose which of them you join.",
                count,
            )
    return text % {"counter": count}


@pytest.fixture
def enclave(world: World) -> Group:
    """A Dutch group whose area covers the middle of Testdorp Noord, where Noordstraat 1 lies."""
    area = save_area(
        actor=SYSTEM, municipality=world.grensstad, name="Enclave", geometry=box(5.305, 50.752, 5.315, 50.758)
    )
    return save_group(
        actor=SYSTEM, municipality=world.grensstad, area=area, name="Baarle Enclave", status=Group.Status.ACTIVE,
        capacity=100,
    )  # fmt: skip


def apply_link(group: Group) -> str:
    return reverse("public:apply", args=[group.slug])


def test_an_address_in_two_areas_lists_both_groups_and_offers_the_choice(client, world: World, enclave):
    html = client.get(SEARCH, {"postcode": "3870", "house_number": "1"}).content.decode()
    assert apply_link(world.group_a) in html and apply_link(enclave) in html
    assert says(html, "Choose your group")
    assert choice_sentence("address", 2) in html


def test_a_point_in_two_areas_lists_both_groups_and_offers_the_choice(client, world: World, enclave):
    html = client.get(SEARCH, {"lat": "50.755", "lon": "5.31"}).content.decode()
    assert apply_link(world.group_a) in html and apply_link(enclave) in html
    assert choice_sentence("place", 2) in html


def test_outside_the_overlap_there_is_no_choice(client, world: World, enclave):
    html = client.get(SEARCH, {"lat": "50.759", "lon": "5.319"}).content.decode()  # Noord, not the enclave
    assert apply_link(world.group_a) in html and apply_link(enclave) not in html
    assert not says(html, "Choose your group")
    assert choice_sentence("place", 2) not in html
