"""Who may read the national coverage page and every kind of request of its map layer: operators
everything, police their zone, every other role a 404 (also for a malformed request, before it is
read), and a refused request counts nothing."""

from __future__ import annotations

import pytest

from apps.coverage import aggregates
from apps.coverage.models import CoverageCell, CoverageState
from testkit.world import PASSWORD

PAGE = "/beheer/dekking/"
LAYER = "/beheer/dekking/kaartlaag.json"
GRENSSTAD_VIEW = "5.685,50.845,5.695,50.855"
REQUESTS = [
    (PAGE, {}),
    (LAYER, {"zoom": 6}),
    (LAYER, {"zoom": 12, "bbox": GRENSSTAD_VIEW}),
    (LAYER, {"zoom": 14, "bbox": GRENSSTAD_VIEW}),
    (LAYER, {"zoom": 17, "bbox": GRENSSTAD_VIEW}),
    (LAYER, {"zoom": "abc", "bbox": "x"}),
]


@pytest.mark.parametrize("username", ["coordinator", "coordinator_nl", "admin_a", "admin_b"])
def test_other_roles_get_a_404_and_nothing_is_counted(world, client, username):
    client.login(username=username, password=PASSWORD)
    for url, query in REQUESTS:
        response = client.get(url, query)
        assert response.status_code == 404, (url, query)
        assert b"Grensstad" not in response.content and b"Testdorp" not in response.content
    assert not CoverageState.objects.exists() and not CoverageCell.objects.exists()


def test_anonymous_visitors_are_sent_to_the_login_and_nothing_is_counted(world, client):
    for url, query in REQUESTS:
        response = client.get(url, query)
        assert response.status_code == 302 and "/account/" in response["Location"]
    assert not CoverageState.objects.exists()


def _features(client, query) -> list:
    response = client.get(LAYER, query)
    assert response.status_code == 200
    return response.json()["features"]


def test_police_see_nothing_of_other_zones_at_any_zoom(world, client):
    client.login(username="police", password=PASSWORD)
    assert [r.name for r in client.get(PAGE).context["coverage"].rows] == ["Testdorp"]
    for zoom in (12, 13, 14, 15, 16, 17):
        assert _features(client, {"zoom": zoom, "bbox": GRENSSTAD_VIEW}) == [], zoom
    # Their own town at the same zooms.
    for zoom in (12, 14, 17):
        assert _features(client, {"zoom": zoom, "bbox": "5.305,50.745,5.315,50.755"}), zoom


def test_operators_see_every_municipality_at_any_zoom(world, client):
    client.login(username="root", password=PASSWORD)
    assert {r.name for r in client.get(PAGE).context["coverage"].rows} == {"Testdorp", "Grensstad"}
    for zoom in (12, 14, 17):
        assert _features(client, {"zoom": zoom, "bbox": GRENSSTAD_VIEW}), zoom


@pytest.mark.parametrize("username", ["root", "police"])
def test_a_bad_request_of_an_allowed_role_is_a_400_that_counts_nothing(world, client, username):
    client.login(username=username, password=PASSWORD)
    response = client.get(LAYER, {"zoom": "abc"})
    assert response.status_code == 400 and response.json()["error"]
    assert not CoverageState.objects.exists() and not CoverageCell.objects.exists()
    assert aggregates.freshness().computed_at is None
