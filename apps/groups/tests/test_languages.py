"""The language the system writes a staff member in."""

from __future__ import annotations

from apps.core.actors import SYSTEM
from apps.groups.languages import language_of, languages_of
from apps.groups.models import GroupAdmin
from apps.municipalities.models import Coordinator, Municipality
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


def test_many_at_once_as_one_by_one(world: World, django_assert_max_num_queries):
    world.grensstad.language = "fr"
    world.grensstad.save(update_fields=["language"])
    world.admin_a.language = "en"
    world.admin_a.save(update_fields=["language"])
    # One person with several roles: the municipality a coordinator works for comes first, and
    # of several, the first by the municipalities' order.
    other = Municipality.objects.create(name="Aaldorp", slug="aaldorp", country="BE", language="fr")
    Coordinator.objects.create(user=world.co_admin_a, municipality=other)
    GroupAdmin.objects.get_or_create(group=world.group_b, user=world.coordinator_nl)
    users = [world.coordinator_nl, world.coordinator, world.police_nl, world.police, world.admin_a]
    users += [world.admin_b, world.co_admin_a, world.nobody]
    with django_assert_max_num_queries(3):
        many = languages_of(users)
    assert many == {u.pk: language_of(u) for u in users}
    assert many[world.co_admin_a.pk] == "fr"
    assert languages_of([SYSTEM]) == {}
