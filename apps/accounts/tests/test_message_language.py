"""A staff member chooses the language of what the system sends them; an unknown language is
refused with a message and changes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from apps.accounts.models import User
from apps.accounts.services import set_message_language
from apps.audit.models import AuditEvent
from apps.core.actors import SYSTEM

PAGE = "/account/taal/"


def test_the_page_is_reachable_from_the_desk(client, world):
    client.force_login(world.admin_a)
    desk = client.get(reverse("staff:dashboard")).content.decode()
    assert f'href="{PAGE}"' in desk
    assert reverse("accounts:message_language") == PAGE


def test_the_page_needs_a_login(client, world):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/account/inloggen/" in response["Location"]
    response = client.post(PAGE, {"language": "fr"})
    assert response.status_code == 302
    assert User.objects.get(pk=world.admin_a.pk).language == ""


@pytest.mark.parametrize("choice", ["fr", "en", "nl", ""])
def test_a_staff_member_chooses_their_language(client, world, choice):
    world.admin_a.language = "en" if choice != "en" else "nl"
    world.admin_a.save()
    client.force_login(world.admin_a)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert 'name="language"' in page.content.decode()
    response = client.post(PAGE, {"language": choice}, follow=True)
    assert response.status_code == 200
    assert User.objects.get(pk=world.admin_a.pk).language == choice
    assert any("Saved" in str(m) for m in response.context["messages"])
    event = AuditEvent.objects.get(action="user.language_changed")
    assert event.actor == world.admin_a and event.data["new"] == choice


@pytest.mark.parametrize("bad", ["de", "xx", "nl-BE", "<script>", "f" * 50])
def test_an_unknown_language_is_refused_and_nothing_changes(client, world, bad):
    world.admin_a.language = "fr"
    world.admin_a.save()
    client.force_login(world.admin_a)
    response = client.post(PAGE, {"language": bad})
    assert response.status_code == 400
    assert "Choose one of the languages in the list." in response.content.decode()
    assert User.objects.get(pk=world.admin_a.pk).language == "fr"
    assert not AuditEvent.objects.filter(action="user.language_changed").exists()


def test_the_service_refuses_bad_codes_and_other_people(world):
    with pytest.raises(ValidationError):
        set_message_language(world.admin_a, "de", actor=world.admin_a)
    for actor in (world.superuser, world.coordinator, SYSTEM):
        with pytest.raises(PermissionDenied):
            set_message_language(world.admin_a, "fr", actor=actor)
    assert User.objects.get(pk=world.admin_a.pk).language == ""
    assert not AuditEvent.objects.filter(action="user.language_changed").exists()


def test_the_choice_decides_the_language_of_the_admins_notice(client, world):
    from apps.applications import services
    from apps.applications.forms import ApplicationForm
    from apps.messaging.models import OutgoingMessage
    from testkit.world import World, application_data

    client.force_login(world.admin_a)
    client.post(PAGE, {"language": "fr"})
    form = ApplicationForm(application_data(World.ADDRESS_A), country="BE")
    assert form.is_valid()
    app = services.submit(world.group_a, form.cleaned_data, language="nl").application
    services.confirm(services.confirmation_token(app))
    notice = OutgoingMessage.objects.get(topic="application.new_for_admin", recipient=world.admin_a.email)
    assert notice.subject.startswith("Nouvelle demande")
