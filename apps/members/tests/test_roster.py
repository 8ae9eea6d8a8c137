"""The roster export as a service: delimiter, formula guard, who may export, and the audit trail."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from apps.audit.models import AuditEvent
from apps.members.models import Member
from apps.members.services import roster_csv
from testkit.world import add_member

HEADER = ["name", "phone", "street", "house number", "postcode", "town", "e-mail", "joined", "18+ checked on"]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def parse(text: str, delimiter: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def test_semicolons_by_default(world):
    add_member(world.group_a, 1, full_name="Peeters; Jan")
    text = roster_csv(world.group_a, actor=world.admin_a)
    assert text.splitlines()[0] == ";".join(HEADER)
    rows = parse(text, ";")
    assert rows[1][:2] == ["Peeters; Jan", "+32478000001"]  # the delimiter inside a name is quoted
    assert all(len(row) == 9 for row in rows)


def test_commas_on_request(world):
    add_member(world.group_a, 1, full_name="Janssens, Els")
    text = roster_csv(world.group_a, actor=world.admin_a, delimiter=",")
    assert text.splitlines()[0] == ",".join(HEADER)
    assert parse(text, ",")[1][:2] == ["Janssens, Els", "+32478000001"]


@pytest.mark.parametrize("delimiter", ["\t", "|", "", ";;", "comma", None])
def test_unknown_delimiters_fall_back_to_semicolons(world, delimiter):
    add_member(world.group_a, 1)
    text = roster_csv(world.group_a, actor=world.admin_a, delimiter=delimiter)
    assert text.splitlines()[0] == ";".join(HEADER)


@pytest.mark.parametrize("delimiter", [";", ","])
def test_formula_guard_with_either_delimiter(world, delimiter):
    add_member(
        world.group_a,
        1,
        full_name='=HYPERLINK("http://evil")',
        street="-Straat",
        town="\tDorp",
        email="+1@example.org",
    )
    add_member(world.group_a, 2, full_name="Gewone Naam", street="Kerkstraat", town="Testdorp")
    rows = parse(roster_csv(world.group_a, actor=world.admin_a, delimiter=delimiter), delimiter)
    by_phone = {row[1]: row for row in rows[1:]}
    evil = by_phone["+32478000001"]
    assert evil[0] == '\'=HYPERLINK("http://evil")'
    assert (evil[2], evil[5], evil[6]) == ("'-Straat", "'\tDorp", "'+1@example.org")
    assert by_phone["+32478000002"][0] == "Gewone Naam"
    assert by_phone["+32478000002"][6] == "lid2@example.org"
    # The phone number stays as WhatsApp needs it, even though it starts with "+".
    assert set(by_phone) == {"+32478000001", "+32478000002"}


def test_only_current_members_sorted_by_name(world):
    add_member(world.group_a, 1, full_name="Zeno")
    add_member(world.group_a, 2, full_name="Anna")
    gone = add_member(world.group_a, 3, full_name="Weg")
    Member.objects.filter(pk=gone.pk).update(left_at=gone.joined_at)
    add_member(world.group_b, 4, full_name="Bert")
    rows = parse(roster_csv(world.group_a, actor=world.coordinator), ";")
    assert [row[0] for row in rows[1:]] == ["Anna", "Zeno"]


def test_export_is_recorded_with_the_count(world):
    add_member(world.group_a, 1)
    add_member(world.group_a, 2)
    roster_csv(world.group_a, actor=world.admin_a, delimiter=",")
    event = AuditEvent.objects.get(action=AuditEvent.Action.MEMBERS_EXPORTED)
    assert (event.actor, event.group_id, event.municipality_id, event.data["count"]) == (
        world.admin_a,
        world.group_a.pk,
        world.testdorp.pk,
        2,
    )


@pytest.mark.parametrize("who", ["admin_b", "police", "coordinator_nl"])
def test_others_may_not_export(world, who):
    add_member(world.group_a, 1)
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        roster_csv(world.group_a, actor=getattr(world, who), delimiter=",")
    assert AuditEvent.objects.count() == before
