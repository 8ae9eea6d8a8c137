"""Every operation of the OpenAPI document, fuzzed from its own schema with each role's token.

Schemathesis generates requests from ``/api/v1/openapi.json`` (valid ones and ones that break
the schema) and sends them to the WSGI application in this process; no network. Each answer must
be no server error and must match what the document says of it: a documented status code, its
content type and its schema. The run is fixed (derandomized, a fixed number of examples per
operation) so CI always sends the same requests and stays within a bounded time.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings

from apps.incidents.services import create_incident
from testkit.world import World

from .utils import bearer, stored_application

EXAMPLES = 25
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]


@pytest.fixture
def api_schema(db):
    # As Django's test client: the test's database connection stays open between requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture
def filled(world: World) -> World:
    """The world with something to read: applications and an incident within every role's reach."""
    address = {"street": "Noordstraat", "house_number": "1", "postcode": "3870", "town": "Testdorp"}
    stored_application(world.group_a, address, confirmed=True)
    create_incident(
        actor=world.admin_a,
        data={
            "category": "suspicious_person",
            "occurred_at": timezone.now().replace(microsecond=0),
            "police_called": True,
            "group": world.group_a.pk,
            "lat": 50.755,
            "lon": 5.31,
            "text": "Man belt overal aan.",
        },
    )
    return world


ROLES = ["anonymous", "admin_a", "coordinator", "police", "co_admin_a", "nobody", "superuser"]


@pytest.fixture
def tokens(filled: World) -> dict[str, dict]:
    """The headers of every role, and none (the private endpoints must answer 401 without)."""
    return {role: {} if role == "anonymous" else bearer(getattr(filled, role)) for role in ROLES}


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case, tokens, english):
    # Each request goes with the coordinator's token (who may do the most) and with the next
    # role's in turn: every role meets every operation, in a run that stays short (the requests,
    # and so the roles, come in a fixed order).
    turn = _turns[case.operation.label] = _turns.get(case.operation.label, -1) + 1
    for role in dict.fromkeys(["coordinator", ROLES[turn % len(ROLES)]]):
        case.call_and_validate(headers=tokens[role], checks=CHECKS)


_turns: dict[str, int] = {}
