"""Answers at the same moment, each on its own connection, through the service as the pages call
it: the last place answered twice at once, and a place coming free while a newcomer answers. The
meeting's lock (``services._lock``, in the transaction of the answer) lets one in at a time: never
more people with a place than the room holds, and the line keeps its order.

On SQLite they run against a database file with the settings' own options (``testkit.sqlite_file``,
as ``apps/applications/tests/test_sqlite_races.py``), on PostgreSQL against the test database.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from apps.core.actors import PUBLIC
from apps.meetings import services
from apps.meetings.models import Meeting, Participant
from testkit.sqlite_file import in_thread, race, sqlite_file_database
from testkit.world import build_world

from .helpers import plan

ROUNDS = 8

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def migrated_sqlite_file(tmp_path_factory, django_db_blocker):
    if connection.vendor != "sqlite":
        return None
    path = tmp_path_factory.mktemp("meeting-races") / "migrated.sqlite3"
    with django_db_blocker.unblock(), sqlite_file_database(path):
        in_thread(call_command, "migrate", verbosity=0)
    return path


@pytest.fixture
def shared_db(tmp_path, django_db_blocker, migrated_sqlite_file):
    if migrated_sqlite_file is None:
        yield
        return
    with django_db_blocker.unblock(), sqlite_file_database(tmp_path / "races.sqlite3", template=migrated_sqlite_file):
        yield


def _answer(meeting_pk: int, name: str, people: int = 1, answer: str = "yes") -> Participant:
    return services.answer_public(
        meeting=Meeting.objects.get(pk=meeting_pk),
        name=name,
        email=f"{name.lower()}@example.org",
        answer=answer,
        people=people,
        language="nl",
    ).participant


def _answerer(meeting_pk: int, name: str):
    def contender(go):
        go()
        return _answer(meeting_pk, name).answer

    return contender


def _changer(participant_pk: int, answer: str):
    def contender(go):
        participant = Participant.objects.select_related("meeting").get(pk=participant_pk)
        go()
        return services.change_answer(actor=PUBLIC, participant=participant, answer=answer, people=1).answer

    return contender


def _state(meeting_pk: int) -> tuple[dict, int, int]:
    meeting = Meeting.objects.get(pk=meeting_pk)
    found = dict(meeting.participants.values_list("name", "answer"))
    return found, services.taken(meeting), meeting.capacity


def test_the_last_place_answered_twice_at_once(shared_db):
    world = in_thread(build_world)
    failed = []
    for n in range(ROUNDS):
        meeting = in_thread(plan, world.testdorp, capacity=2)
        in_thread(_answer, meeting.pk, "Anna")
        outcome = race(_answerer(meeting.pk, "Bernard"), _answerer(meeting.pk, "Carla"))
        found, taken, capacity = in_thread(_state, meeting.pk)
        if sorted(outcome) != ["waiting", "yes"] or taken != capacity or found["Anna"] != "yes":
            failed.append((n, outcome, found, taken))
    assert not failed, f"{len(failed)} of {ROUNDS} rounds went wrong: {failed}"


def test_a_place_coming_free_while_a_newcomer_answers(shared_db):
    world = in_thread(build_world)
    failed = []
    for n in range(ROUNDS):
        meeting = in_thread(plan, world.testdorp, capacity=2)
        anna = in_thread(_answer, meeting.pk, "Anna")
        in_thread(_answer, meeting.pk, "Bernard")
        assert in_thread(_answer, meeting.pk, "Carla").answer == "waiting"
        outcome = race(_changer(anna.pk, "no"), _answerer(meeting.pk, "Didier"))
        found, taken, capacity = in_thread(_state, meeting.pk)
        # Whichever came first: Carla, first in line, has the place; Didier waits behind her.
        expected = {"Anna": "no", "Bernard": "yes", "Carla": "yes", "Didier": "waiting"}
        if outcome != ["no", "waiting"] or found != expected or taken != capacity:
            failed.append((n, outcome, found, taken))
    assert not failed, f"{len(failed)} of {ROUNDS} rounds went wrong: {failed}"
