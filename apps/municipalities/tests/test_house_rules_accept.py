"""Members accept a new version of the house rules by the personal link in their e-mail."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.actors import SYSTEM
from apps.groups.models import Group
from apps.members.house_rules import accept_house_rules, acceptance_token
from apps.members.models import Member
from apps.messaging.models import OutgoingMessage
from apps.municipalities.services import publish_house_rules
from testkit.world import add_member


def _publish(world, text="1. Eerst 101 bellen.\n2. Geen chat.\n3. Geen foto's."):
    return publish_house_rules(world.testdorp, title="Huisregels", text=text, actor=world.coordinator)


def _link(member) -> str:
    mail = OutgoingMessage.objects.filter(topic="house_rules.accept", recipient=member.email).latest("pk")
    return re.search(r"http://testserver(/huisregels-aanvaarden/\S+/)", mail.body).group(1)


def _state(member):
    member.refresh_from_db()
    return (
        member.house_rules_version_id,
        member.house_rules_accepted_at,
        AuditEvent.objects.filter(action=AuditEvent.Action.MEMBER_HOUSE_RULES_ACCEPTED).count(),
    )


def test_each_current_member_gets_a_personal_link(world):
    a, b = add_member(world.group_a, 1), add_member(world.group_b, 2)
    left = add_member(world.group_a, 3)
    left.left_at = timezone.now()
    left.save()
    add_member(world.group_nl, 4)
    rules = _publish(world)
    mails = OutgoingMessage.objects.filter(topic="house_rules.accept")
    assert sorted(mails.values_list("recipient", flat=True)) == [a.email, b.email]
    assert _link(a) != _link(b)
    assert mails.get(recipient=a.email).group_id == world.group_a.pk
    assert rules.version == 2


def test_a_member_of_a_closed_group_is_not_asked(world):
    add_member(world.group_b, 2)
    world.group_b.status = Group.Status.CLOSED
    world.group_b.save()
    _publish(world)
    assert not OutgoingMessage.objects.filter(topic="house_rules.accept").exists()


def test_an_unchanged_text_asks_nobody(world):
    add_member(world.group_a, 1)
    with pytest.raises(ValidationError):
        _publish(world, text="1. Eerst 101 bellen.\r\n2. Geen chat.")
    assert not OutgoingMessage.objects.filter(topic="house_rules.accept").exists()


def test_opening_the_link_changes_nothing_and_the_button_accepts(client, world):
    member = add_member(world.group_a, 1)
    rules = _publish(world)
    before = _state(member)
    page = client.get(_link(member), headers={"Accept-Language": "en"})
    html = page.content.decode()
    assert page.status_code == 200 and "3. Geen foto&#x27;s." in html and 'method="post"' in html
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    assert _state(member) == before
    done = client.post(_link(member), headers={"Accept-Language": "en"})
    assert done.status_code == 200 and "You accepted version 2" in done.content.decode()
    version, accepted_at, events = _state(member)
    assert version == rules.pk and accepted_at > before[1] and events == before[2] + 1
    event = AuditEvent.objects.filter(action=AuditEvent.Action.MEMBER_HOUSE_RULES_ACCEPTED).get()
    assert event.actor is None and event.data["version"] == 2
    # A second press changes nothing.
    again = client.post(_link(member), headers={"Accept-Language": "en"})
    assert "You already accepted version 2" in again.content.decode()
    assert _state(member) == (version, accepted_at, events)


@pytest.mark.parametrize("token", ["nonsense", "eyJtIjoxLCJ2IjoyfQ:1abc:xyz"])
def test_a_wrong_link_says_so_and_changes_nothing(client, world, token):
    member = add_member(world.group_a, 1)
    _publish(world)
    before = _state(member)
    response = client.post(f"/huisregels-aanvaarden/{token}/")
    assert response.status_code == 404 and _state(member) == before


def test_a_link_for_another_municipalitys_rules_does_not_work(client, world):
    member = add_member(world.group_a, 1)
    other = publish_house_rules(world.grensstad, title="Nieuw", text="Nieuw.", actor=SYSTEM)
    before = _state(member)
    response = client.post(f"/huisregels-aanvaarden/{acceptance_token(member, other)}/")
    assert response.status_code == 404 and _state(member) == before


def test_an_outdated_link_is_refused(client, world):
    member = add_member(world.group_a, 1)
    _publish(world)
    old_link = _link(member)
    _publish(world, text="Versie drie.")
    before = _state(member)
    response = client.post(old_link, headers={"Accept-Language": "en"})
    assert response.status_code == 409 and "A newer version" in response.content.decode()
    assert _state(member) == before
    assert client.post(_link(member)).status_code == 200
    assert _state(member)[0] == world.testdorp.current_house_rules.pk


def test_a_member_who_left_cannot_accept(world):
    member = add_member(world.group_a, 1)
    rules = _publish(world)
    Member.objects.filter(pk=member.pk).update(left_at=timezone.now())
    before = _state(member)
    with pytest.raises(ValidationError):
        accept_house_rules(member, rules, actor=SYSTEM)
    assert _state(member) == before
