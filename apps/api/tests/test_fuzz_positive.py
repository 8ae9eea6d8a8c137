"""Requests that keep every limit the OpenAPI document states, to the operations of incidents,
relays and broadcasts, with the tokens of an admin, a coordinator and the police.

Only schema-valid requests are generated (schemathesis' positive mode). Each answer must be no
server error and match the document (status, content type, schema). And a schema-valid request
is never refused for a limit the document does not state: a 400 may only give a reason of the
domain that the operation's description names (a place out of reach, the police not called, a
relay that reaches nobody, the rate, a decision already made), never a form's own limit (a
length, a range, a choice, a required text, a NUL character), which the schema must carry.

Fixed and bounded: derandomized, ``EXAMPLES`` per operation, no shrinking, so it stays well under
a minute and sends the same requests on every run.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis import GenerationMode

from apps.incidents.tests.helpers import report
from apps.relays import services as relays
from testkit.world import World

from .utils import bearer

EXAMPLES = 10
ROLES = ["admin_a", "coordinator", "police"]
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
]
# The beginnings of the messages of limits a schema can state (English: the test's language).
SHAPE_MESSAGES = (
    "This field is required.",
    "Ensure this value has at most",
    "Ensure this value has at least",
    "Ensure this value is less than or equal to",
    "Ensure this value is greater than or equal to",
    "Select a valid choice",
    "Enter a whole number.",
    "Enter a number.",
    "Enter a valid",
    "Null characters are not allowed.",
    "Keep the note under 1000 characters.",
    "Choose a radius between",
    "Choose red (urgent) or green",
    "This point is not on the map.",
    "Describe what you saw.",
    "Send at most",
)


def no_refusal_for_an_unstated_limit(ctx, response, case) -> None:
    """A schema-valid request refused with a form's limit means the schema misses that limit."""
    if response.status_code not in (400, 422) or case.meta is None or not case.meta.generation.mode.is_positive:
        return
    errors = response.json().get("errors", {})
    shaped = [
        f"{field}: {message}"
        for field, messages in errors.items()
        for message in messages
        if message.startswith(SHAPE_MESSAGES)
    ]
    assert not shaped, f"a schema-valid request was refused for a limit the schema does not state: {shaped}"


@pytest.fixture
def positive_schema(db):
    # As Django's test client: the test's database connection stays open between requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        loaded = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())
        loaded.config.generation.update(modes=[GenerationMode.POSITIVE])
        yield loaded
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = (
    schemathesis.pytest.from_fixture("positive_schema")
    .include(tag_regex="^(incidents|relays|broadcasts)$")
    # The upload's content is checked in a limited child process; the other fuzz test covers it.
    .exclude(path_regex="attachments")
)


@pytest.fixture
def objects(world: World, settings) -> dict:
    """An incident within every role's reach and a red relay of its admin that waits for a decision."""
    settings.LANGUAGE_CODE = "en"
    incident = report(world)
    relay = relays.send(actor=world.admin_a, incident=incident, scope="neighbours", urgency="red")
    return {
        "incident_id": incident.pk,
        "relay_id": relay.pk,
        "headers": {role: bearer(getattr(world, role)) for role in ROLES},
    }


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_schema_valid_requests_of_each_role_answer_as_documented(case, objects):
    # The stored incident and relay, so the requests reach the rules behind the 404.
    for name in ("incident_id", "relay_id"):
        if name in (case.path_parameters or {}):
            case.path_parameters[name] = objects[name]
    for role in ROLES:
        case.call_and_validate(headers=objects["headers"][role], checks=[*CHECKS, no_refusal_for_an_unstated_limit])
