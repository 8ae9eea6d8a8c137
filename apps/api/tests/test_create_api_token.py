"""manage.py create_api_token: prints a working token once and records it in the audit trail."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.accounts.models import ApiToken
from apps.audit.models import AuditEvent
from testkit.world import World


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_printed_token_opens_the_private_api(client, world: World):
    key, note = run("admin_a", "--name", "planning script")
    token = ApiToken.objects.get()
    assert (token.user, token.name) == (world.admin_a, "planning script")
    assert token.key_hash == ApiToken.hash_key(key) and key not in token.key_hash
    assert "not shown again" in note and key not in note
    assert client.get("/api/v1/applications", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    event = AuditEvent.objects.get(action=AuditEvent.Action.API_TOKEN_CREATED)
    assert (event.target_id, event.data["user_id"]) == (str(token.pk), world.admin_a.pk)


def test_each_run_gives_a_new_token(world: World):
    assert run("admin_a")[0] != run("admin_a")[0]
    assert ApiToken.objects.filter(user=world.admin_a).count() == 2


def test_unknown_user_is_a_clear_error(world: World):
    with pytest.raises(CommandError, match="no user with username 'onbekend'"):
        run("onbekend")
    assert not ApiToken.objects.exists()


def test_deactivated_user_gets_no_token(world: World):
    world.admin_a.is_active = False
    world.admin_a.save()
    with pytest.raises(CommandError, match="deactivated"):
        run("admin_a")
    assert not ApiToken.objects.exists()
