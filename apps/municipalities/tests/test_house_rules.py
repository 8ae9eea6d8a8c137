"""Publishing house rules: versions, and who may."""

import pytest
from django.core.exceptions import PermissionDenied

from apps.municipalities.models import HouseRulesVersion
from apps.municipalities.services import publish_house_rules


def test_each_publication_is_a_new_version(world):
    rules = publish_house_rules(world.testdorp, title="Nieuw", text="Eerst 101.", actor=world.coordinator)
    assert rules.version == 2 and world.testdorp.current_house_rules == rules
    assert HouseRulesVersion.objects.filter(municipality=world.testdorp).count() == 2


@pytest.mark.parametrize("who", ["coordinator_nl", "admin_a", "police"])
def test_others_cannot_publish(world, who):
    with pytest.raises(PermissionDenied):
        publish_house_rules(world.testdorp, title="X", text="Y", actor=getattr(world, who))
    assert world.testdorp.current_house_rules.version == 1
