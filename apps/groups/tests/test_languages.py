"""The language the system writes a staff member in."""

from __future__ import annotations

from apps.core.actors import SYSTEM
from apps.groups.languages import language_of
from testkit.world import World


def test_own_choice_first_then_the_municipality_they_work_for(world: World):
    world.grensstad.language = "fr"  # a fictional French-speaking Grensstad, to tell the sources apart
    world.grensstad.save(update_fields=["language"])
    world.testdorp.language = "nl"
    world.testdorp.save(update_fields=["language"])
    assert language_of(world.coordinator_nl) == "fr"
    assert language_of(world.police_nl) == "fr"
    assert language_of(world.admin_a) == "nl"
    world.admin_a.language = "en"
    world.admin_a.save(update_fields=["language"])
    assert language_of(world.admin_a) == "en"


def test_no_role_and_no_person_get_the_site_default(world: World, settings):
    settings.LANGUAGE_CODE = "nl"
    assert language_of(world.nobody) == "nl"
    assert language_of(SYSTEM) == "nl"
