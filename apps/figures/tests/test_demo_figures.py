"""The demo municipality reproduces seed 002's sentence from its data, on the figures page and in
the API: eight active groups, 330 members, 11 of 12 sub-municipalities, the largest group with
85 members, nine signs."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from apps.accounts.models import User
from apps.api.tests.utils import bearer
from apps.demo import load
from apps.municipalities.models import Coordinator, Municipality, PoliceOfficer

pytestmark = pytest.mark.django_db

SENTENCE = (
    "8 active groups, 330 members, 11 of the 12 sub-municipalities, the largest group Merkel-Bovenhoek with 85 members"
)


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """One load for every test here, rolled back after the last."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        yield load.load()
        transaction.set_rollback(True)


def heerlo_people():
    heerlo = Municipality.objects.get(slug="heerlo")
    coordinator = Coordinator.objects.filter(municipality=heerlo).select_related("user").first().user
    officer = PoliceOfficer.objects.filter(zone__municipalities=heerlo).select_related("user", "zone").first()
    return heerlo, coordinator, officer


def test_the_figures_page_reads_the_seed_sentence(client, demo):
    heerlo, coordinator, _officer = heerlo_people()
    client.force_login(coordinator)
    response = client.get(reverse("staff:figures_dashboard", kwargs={"kind": "gemeente", "pk": heerlo.pk}))
    assert response.status_code == 200
    f = response.context["figures"]
    assert (f.active_groups, f.members, f.covered, f.sub_municipality_total) == (8, 330, 11, 12)
    assert (f.largest.name, f.largest.members, f.signs_placed) == ("Merkel-Bovenhoek", 85, 9)
    assert SENTENCE in response.content.decode()
    # The desk's link leads the coordinator here.
    assert client.get(reverse("staff:figures_home")).url.endswith(f"/cijfers/gemeente/{heerlo.pk}/")


def test_the_api_gives_the_same_numbers_to_the_coordinator_and_the_police(client, demo):
    heerlo, coordinator, officer = heerlo_people()
    answer = client.get(f"/api/v1/municipalities/{heerlo.pk}/figures", headers=bearer(coordinator)).json()
    assert answer["summary"] == SENTENCE
    assert (answer["active_groups"], answer["members"], answer["signs_placed"]) == (8, 330, 9)
    assert (answer["sub_municipalities_covered"], answer["sub_municipalities_total"]) == (11, 12)
    assert answer["largest_group"] == {"name": "Merkel-Bovenhoek", "municipality": "Heerlo", "members": 85}
    zone = client.get(f"/api/v1/police-zones/{officer.zone.pk}/figures", headers=bearer(officer.user)).json()
    assert zone["exact"] is False and zone["name"] == "PZ Kanton Heerlo"
    # Every group of the zone has at least 5 members: the police read the same sentence.
    assert zone["summary"] == SENTENCE
    assert User.objects.filter(pk=officer.user.pk, coordinator_roles__isnull=False).count() == 0
