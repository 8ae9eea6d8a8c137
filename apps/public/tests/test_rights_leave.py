"""Leaving a group through the link to one's own data: a tap on "Leave" asks first; only the
confirmation leaves."""

from __future__ import annotations

import pytest

from apps.members.models import Member
from apps.rights.models import WhatsAppRemoval
from apps.rights.tests.test_rights import EMAIL, ask, client, fresh_limits, link_path, resident  # noqa: F401

from .helpers import nothing_stored


def test_the_data_page_links_to_a_question_and_leaving_needs_the_confirmation(client, world, resident):  # noqa: F811
    member, _application, _other = resident
    ask(client, EMAIL)
    path = link_path()
    leave = f"{path}verlaten/{member.pk}/"
    data = client.get(path).content.decode()
    assert f'href="{leave}"' in data
    assert f'action="{leave}"' not in data  # no form that leaves at one tap
    with nothing_stored():
        question = client.get(leave)
    assert question.status_code == 200
    html = question.content.decode()
    assert "Leave Testdorp Noord?" in html and "Yes, leave Testdorp Noord" in html
    assert f'href="{path}"' in html
    member.refresh_from_db()
    assert member.left_at is None and not WhatsAppRemoval.objects.exists()

    response = client.post(leave, follow=True)
    assert "You left Testdorp Noord." in response.content.decode()
    member.refresh_from_db()
    assert member.left_at is not None and member.leave_reason == Member.LeaveReason.LEFT
    # Asked again after leaving: back to the data, nothing more to confirm.
    again = client.get(leave)
    assert again.status_code == 302 and again["Location"] == path


@pytest.mark.parametrize("language, title", [("nl", "Testdorp Noord verlaten?"), ("fr", "Quitter Testdorp Noord ?")])
def test_the_question_is_in_the_residents_language(client, world, resident, language, title):  # noqa: F811
    member, _application, _other = resident
    ask(client, EMAIL)
    html = client.get(f"{link_path()}verlaten/{member.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert title in html


def test_another_persons_membership_is_not_shown(client, world, resident):  # noqa: F811
    _member, _application, other = resident
    ask(client, EMAIL)
    path = link_path()
    response = client.get(f"{path}verlaten/{other.pk}/")
    assert response.status_code == 302 and response["Location"] == path
    assert "Piet Ander" not in client.get(path).content.decode()


def test_a_wrong_link_shows_no_question(client, world, resident):  # noqa: F811
    member, _application, _other = resident
    response = client.get(f"/mijn-gegevens/{'x' * 43}/verlaten/{member.pk}/")
    assert response.status_code == 404
