"""The last message of each fallback chain, for many messages at once, is what
``latest_attempt`` finds for each of them one by one, in a query per step of the chains."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.messaging.models import OutgoingMessage
from apps.messaging.services import latest_attempt, latest_attempts

pytestmark = pytest.mark.django_db


def _row(name: str, replaces: OutgoingMessage | None = None) -> OutgoingMessage:
    return OutgoingMessage.objects.create(
        channel=OutgoingMessage.Channel.EMAIL,
        recipient=f"{name}@example.org",
        subject="Onderwerp",
        body="Tekst",
        topic="test.chain",
        dedupe_key=f"chain:{name}",
        replaces=replaces,
        next_attempt_at=timezone.now(),
    )


def test_many_chains_at_once_as_one_by_one(django_assert_max_num_queries):
    alone = _row("alone")
    one = _row("one")
    _row("one-sms", one)
    two = _row("two")
    two_b = _row("two-b", two)
    _row("two-c", two_b)
    forked = _row("forked")
    first = _row("forked-first", forked)
    _row("forked-second", forked)  # a second fallback of the same message does not count
    _row("forked-first-next", first)
    firsts = [alone, one, two, forked]
    with django_assert_max_num_queries(3):  # the longest chain has two steps, then one empty query
        found = latest_attempts(firsts)
    assert {pk: m.pk for pk, m in found.items()} == {m.pk: latest_attempt(m).pk for m in firsts}
    assert found[forked.pk].recipient == "forked-first-next@example.org"
    assert latest_attempts([]) == {}


def test_a_loop_in_a_chain_ends(django_assert_max_num_queries):
    a = _row("a")
    b = _row("b", a)
    OutgoingMessage.objects.filter(pk=a.pk).update(replaces=b)
    a.refresh_from_db()
    assert latest_attempts([a])[a.pk].pk == latest_attempt(a).pk == b.pk
