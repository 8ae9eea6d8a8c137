"""The privacy page says what is kept, why, who sees it and how long, with the municipality's
own periods (or the defaults), in Dutch, French and English; linked from the footer and from the
application form."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from testkit.world import World


def periods_shown(html: str) -> dict[str, int]:
    """The number of days each kind is kept, as the page shows them."""
    found = re.findall(r'data-kind="(\w+)">\s*(\d+)', html)
    return {kind: int(days) for kind, days in found}


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_the_municipality_page_shows_its_own_periods(client, world: World, language):
    world.testdorp.retention_applications_days = 14
    world.testdorp.retention_members_days = 92
    world.testdorp.retention_incidents_days = 200
    world.testdorp.save()
    response = client.get(
        reverse("public:privacy_municipality", args=[world.testdorp.slug]), HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert periods_shown(html) == {"applications": 14, "members": 92, "messages": 30, "incidents": 200, "audit": 730}
    assert "Testdorp" in html and "48" in html  # the confirmation window, in hours


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_general_page_shows_the_defaults_and_lists_the_municipalities(client, world: World, language):
    world.testdorp.retention_applications_days = 14
    world.testdorp.save()
    html = client.get(reverse("public:privacy"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert periods_shown(html) == {"applications": 30, "members": 183, "messages": 30, "incidents": 365, "audit": 730}
    assert reverse("public:privacy_municipality", args=[world.testdorp.slug]) in html
    assert reverse("public:privacy_municipality", args=[world.grensstad.slug]) in html


def test_an_unknown_municipality_is_404(client, world: World):
    assert client.get(reverse("public:privacy_municipality", args=["nergens"])).status_code == 404


def test_only_reading(client, world: World):
    assert client.post(reverse("public:privacy")).status_code == 405


def test_linked_from_the_footer_and_the_application_form(client, world: World):
    home = client.get(reverse("public:home")).content.decode()
    assert f'href="{reverse("public:privacy")}"' in home
    form = client.get(reverse("public:apply", args=[world.group_a.slug])).content.decode()
    assert f'href="{reverse("public:privacy_municipality", args=[world.testdorp.slug])}"' in form
