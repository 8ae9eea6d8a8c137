"""Two requests at the same moment, each on its own connection: two admins approving the last
place of a group, and the same confirmation link confirmed twice.

On SQLite (the default mode) they run against a database file (``testkit.sqlite_file``) with the
settings' own options, because the in-memory test database has one connection and never meets
SQLite's locking. Before transactions began IMMEDIATE (settings, ADR 0018), a transaction that
first reads and then writes could not become the writer once the other request had written:
"database is locked" at once, an HTTP 500, in 27 to 30 rounds of 30. On PostgreSQL the same
tests run against the test database (the row locks decide); they show both databases answer the
same.
"""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from apps.applications import services
from apps.applications.forms import ApplicationForm
from apps.applications.models import Application
from apps.audit.models import AuditEvent
from apps.groups.models import Group
from testkit.sqlite_file import in_thread, race, sqlite_file_database
from testkit.world import World, add_member, application_data, build_world

ROUNDS = 30

# A mark, not ``request.getfixturevalue("transactional_db")``: pytest-django creates the test
# databases that the collected tests' marks and fixtures name, and run alone these tests would
# otherwise have none created (on PostgreSQL the threads then reach DATABASE_URL's database).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def migrated_sqlite_file(tmp_path_factory, django_db_blocker):
    """A migrated database file, copied for each test (migrating takes seconds)."""
    if connection.vendor != "sqlite":
        return None
    path = tmp_path_factory.mktemp("races") / "migrated.sqlite3"
    with django_db_blocker.unblock(), sqlite_file_database(path):
        in_thread(call_command, "migrate", verbosity=0)
    return path


@pytest.fixture
def shared_db(tmp_path, django_db_blocker, migrated_sqlite_file):
    """A database every thread reaches on a connection of its own, with committed data: on
    PostgreSQL the test database (``transaction=True``: nothing waits in the test's transaction),
    on SQLite a file."""
    if migrated_sqlite_file is None:
        yield
        return
    with django_db_blocker.unblock(), sqlite_file_database(tmp_path / "races.sqlite3", template=migrated_sqlite_file):
        yield


def _submitted(world: World, phone: str) -> Application:
    form = ApplicationForm(application_data(World.ADDRESS_A, phone=phone), country="BE")
    assert form.is_valid(), form.errors
    return services.submit(world.group_a, form.cleaned_data).application


def _client(user=None) -> Client:
    # The test client records an exception through a signal every thread's client hears: only
    # the status code is each request's own (a 500 names the exception some request raised).
    client = Client(raise_request_exception=False, headers={"accept-language": "en"})
    if user is not None:
        client.force_login(user)
    return client


def _status(response) -> int | str:
    if response.status_code == 500 and response.exc_info:
        return f"500 ({response.exc_info[0].__name__}: {response.exc_info[1]})"
    return response.status_code


def _describe(outcome) -> str:
    if isinstance(outcome, BaseException):
        return f"{type(outcome).__name__}: {outcome}"
    return str(outcome)


def test_two_admins_approving_the_last_place_at_once(shared_db):
    world = in_thread(build_world)
    in_thread(add_member, world.group_a, 1)  # a capacity is at least 2: one member, one place left
    group = world.group_a

    def two_confirmed_for_the_last_place(n: int) -> tuple[int, int]:
        Group.objects.filter(pk=group.pk).update(capacity=1024)
        pks = []
        for k in (1, 2):
            application = _submitted(world, phone=f"0471{n:03d}{k:03d}")
            pks.append(services.confirm(services.confirmation_token(application)).pk)
        Group.objects.filter(pk=group.pk).update(capacity=group.members.current().count() + 1)
        return pks[0], pks[1]

    def approver(user, pk: int):
        def contender(go):
            client = _client(user)
            go()
            response = client.post(reverse("staff:application_approve", args=[pk]))
            return _status(response), [str(m) for m in get_messages(response.wsgi_request)]

        return contender

    def outcome_of(pks: tuple[int, int]) -> tuple[list, int, int]:
        statuses = sorted(Application.objects.filter(pk__in=pks).values_list("status", flat=True))
        fresh = Group.objects.get(pk=group.pk)
        return statuses, fresh.members.current().count(), fresh.capacity

    failed = []
    for n in range(ROUNDS):
        pks = in_thread(two_confirmed_for_the_last_place, n)
        answers = race(approver(world.admin_a, pks[0]), approver(world.co_admin_a, pks[1]))
        statuses, members, capacity = in_thread(outcome_of, pks)
        answered = [a for a in answers if not isinstance(a, BaseException) and a[0] == 302]
        errors = [_describe(a if isinstance(a, BaseException) else a[0]) for a in answers if a not in answered]
        said = sorted(" ".join(a[1]) for a in answered)
        ok = (
            not errors
            and statuses == [Application.Status.APPROVED, Application.Status.CONFIRMED]
            and members == capacity
            and len(said) == 2
            and said[0].startswith("Approved.")
            and said[1].startswith("Not approved: The group is full")
        )
        if not ok:
            failed.append((n, errors or said, statuses, f"{members}/{capacity}"))
    assert not failed, f"{len(failed)} of {ROUNDS} rounds went wrong: {failed}"


def test_the_same_link_confirmed_twice_at_once(shared_db):
    world = in_thread(build_world)

    def confirmer(url: str):
        def contender(go):
            client = _client()
            go()
            return _status(client.post(url))

        return contender

    def confirmations(pk: int) -> tuple[str, int]:
        return (
            Application.objects.get(pk=pk).status,
            AuditEvent.objects.filter(
                action=AuditEvent.Action.APPLICATION_CONFIRMED,
                target_id=str(pk),
                target_type="applications.application",
            ).count(),
        )

    failed = []
    for n in range(ROUNDS):
        application = in_thread(_submitted, world, f"0472{n:06d}")
        url = reverse("public:application_confirm", args=[services.confirmation_token(application)])
        answers = race(confirmer(url), confirmer(url))
        status, confirmed = in_thread(confirmations, application.pk)
        if answers != [200, 200] or status != Application.Status.CONFIRMED or confirmed != 1:
            failed.append((n, [_describe(a) for a in answers], status, confirmed))
    assert not failed, f"{len(failed)} of {ROUNDS} rounds went wrong: {failed}"
