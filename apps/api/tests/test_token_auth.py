"""Private endpoints need an active token of an active user; everything else is 401."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.accounts.models import ApiToken
from testkit.world import World

PRIVATE = [
    ("get", "/api/v1/applications"),
    ("get", "/api/v1/applications/1"),
    ("post", "/api/v1/applications/1/approve"),
    ("post", "/api/v1/applications/1/reject"),
    ("get", "/api/v1/groups/1/members"),
]


def call(client, method: str, path: str, headers: dict | None = None):
    if method == "post":
        return client.post(path, {"reason": "x"}, content_type="application/json", headers=headers or {})
    return client.get(path, headers=headers or {})


@pytest.mark.parametrize(("method", "path"), PRIVATE)
def test_without_token_every_private_endpoint_answers_401(client, world: World, method, path):
    response = call(client, method, path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "header",
    ["Bearer bw_not-a-real-token", "Bearer ", "Token {key}", "{key}", "Basic {key}"],
)
def test_wrong_tokens_and_schemes_are_refused(client, world: World, header):
    _token, key = ApiToken.issue(world.admin_a)
    response = client.get("/api/v1/applications", headers={"Authorization": header.format(key=key)})
    assert response.status_code == 401


def test_revoked_token_is_refused(client, world: World):
    token, key = ApiToken.issue(world.admin_a)
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/applications", headers=headers).status_code == 200
    token.revoked_at = timezone.now()
    token.save()
    assert client.get("/api/v1/applications", headers=headers).status_code == 401


def test_token_of_a_deactivated_user_is_refused(client, world: World):
    _token, key = ApiToken.issue(world.admin_a)
    world.admin_a.is_active = False
    world.admin_a.save()
    assert client.get("/api/v1/applications", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_use_of_a_token_is_recorded_on_it(client, world: World):
    token, key = ApiToken.issue(world.admin_a)
    assert token.last_used_at is None
    before = timezone.now()
    assert client.get("/api/v1/applications", headers={"Authorization": f"bearer {key}"}).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at >= before


def test_logged_in_session_is_not_enough(client, world: World):
    # The private API takes tokens only: a browser session must not open it (no CSRF check there).
    client.force_login(world.admin_a)
    assert client.get("/api/v1/applications").status_code == 401
