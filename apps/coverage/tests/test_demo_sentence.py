"""The coordinator's sentence of the seed, reproduced from the demo's register and areas."""

from __future__ import annotations

import pytest
from django.test import override_settings

from apps.coverage.services import coverage_for
from apps.demo import load
from apps.municipalities.models import Municipality


@pytest.mark.django_db
def test_heerlo_reads_like_the_seed():
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        load.load()
    result = coverage_for(Municipality.objects.get(slug="heerlo"))
    assert result.sentence() == "8 groups, 330 members, 11 of 12 sub-municipalities covered, largest group 85"
    assert 0 < result.covered_addresses < result.addresses
    assert result.uncovered_streets
