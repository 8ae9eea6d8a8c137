"""No applicant is dropped without a message, and an application the admins leave waiting goes
to the municipality's coordinators, once. Admins read the notice of a new application in their
own language, whatever language the applicant used."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone, translation

from apps.applications import services
from apps.applications.forms import ApplicationForm
from apps.applications.models import Application
from apps.audit.models import AuditEvent
from apps.messaging.models import OutgoingMessage
from apps.municipalities.models import Coordinator
from testkit.world import World, add_member, application_data, make_user


def submit(world: World, **overrides) -> Application:
    form = ApplicationForm(application_data(World.ADDRESS_A, **overrides), country="BE")
    assert form.is_valid(), form.errors
    return services.submit(world.group_a, form.cleaned_data, language="en").application


def confirmed(world: World, **overrides) -> Application:
    return services.confirm(services.confirmation_token(submit(world, **overrides)))


def later(days: float):
    return time_machine.travel(timezone.now() + dt.timedelta(days=days))


def test_an_unconfirmed_application_expires_with_a_message(world: World):
    app = submit(world)
    with later(3):
        assert services.expire_stale_applications() == 1
        assert services.expire_stale_applications() == 0
    app.refresh_from_db()
    assert app.status == Application.Status.EXPIRED
    mail = OutgoingMessage.objects.get(topic="application.expired")
    assert mail.recipient == app.email
    assert "not confirmed" in mail.body and "/groepen/testdorp-noord/aanmelden/" in mail.body


def test_an_undecided_application_expires_with_a_message_and_frees_its_place(world: World, settings):
    world.group_a.capacity = 2
    world.group_a.save()
    add_member(world.group_a, 1)
    app = confirmed(world)
    waiting = services.confirm(
        services.confirmation_token(submit(world, phone="0470 88 88 88", email="w@example.org", waiting_list="on"))
    )
    assert waiting.status == Application.Status.WAITING
    with later(settings.BUURTWACHT_APPLICATION_EXPIRY_DAYS + 1):
        assert services.expire_stale_applications() == 1
    app.refresh_from_db()
    waiting.refresh_from_db()
    assert app.status == Application.Status.EXPIRED
    mail = OutgoingMessage.objects.get(topic="application.expired", recipient=app.email)
    assert "did not decide" in mail.body
    assert waiting.status == Application.Status.CONFIRMED
    assert OutgoingMessage.objects.filter(topic="application.place_freed", recipient="w@example.org").count() == 1


def test_a_place_freed_late_counts_its_expiry_from_then(world: World, settings):
    # Waited 40 days on the list, then reached the admin: the admin gets the full period.
    world.group_a.capacity = 2
    world.group_a.save()
    add_member(world.group_a, 1)
    member = add_member(world.group_a, 2)
    waiting = services.confirm(services.confirmation_token(submit(world, waiting_list="on")))
    with later(40):
        from apps.members.services import remove

        remove(member, actor=world.admin_a, reason="Verhuisd")
        waiting.refresh_from_db()
        assert waiting.status == Application.Status.CONFIRMED
        assert services.expire_stale_applications() == 0
    waiting.refresh_from_db()
    assert waiting.status == Application.Status.CONFIRMED


def test_a_long_wait_goes_to_the_coordinators_once_in_their_language(world: World, settings):
    settings.BUURTWACHT_APPLICATION_ESCALATION_DAYS = 5
    second = make_user("coordinator2", language="en")
    Coordinator.objects.create(user=second, municipality=world.testdorp)
    app = confirmed(world)
    with later(4):
        assert services.escalate_waiting_applications() == 0
    with later(6):
        assert services.escalate_waiting_applications() == 1
        assert services.escalate_waiting_applications() == 0
        services.hourly()
    mails = OutgoingMessage.objects.filter(topic="application.escalated")
    assert sorted(m.recipient for m in mails) == sorted([world.coordinator.email, second.email])
    # neither the other municipality's coordinator nor the police nor other admins
    assert not mails.filter(recipient__in=[world.coordinator_nl.email, world.police.email, world.admin_b.email])
    english = mails.get(recipient=second.email)
    assert f"/beheer/aanmeldingen/{app.pk}/" in english.body
    expires = timezone.localtime(app.to_admin_at + dt.timedelta(days=settings.BUURTWACHT_APPLICATION_EXPIRY_DAYS))
    assert f"expires on {expires.day} {expires:%B} {expires.year}:" in english.body
    app.refresh_from_db()
    assert app.escalated_at is not None
    assert AuditEvent.objects.filter(action="application.escalated", target_id=str(app.pk)).count() == 1


def test_decided_and_waiting_list_applications_are_not_escalated(world: World, settings):
    settings.BUURTWACHT_APPLICATION_ESCALATION_DAYS = 5
    services.approve(confirmed(world), actor=world.admin_a)
    with later(6):
        assert services.escalate_waiting_applications() == 0
    assert not OutgoingMessage.objects.filter(topic="application.escalated").exists()


def test_each_admin_reads_the_new_application_in_their_own_language(world: World):
    world.admin_a.language = "fr"
    world.admin_a.save()
    world.co_admin_a.language = "nl"
    world.co_admin_a.save()
    with translation.override("en"):
        confirmed(world)
    to_admins = {m.recipient: m for m in OutgoingMessage.objects.filter(topic="application.new_for_admin")}
    assert to_admins[world.admin_a.email].subject == "Nouvelle demande d'adhésion pour Testdorp Noord"
    assert to_admins[world.co_admin_a.email].subject == "Nieuwe aanmelding voor Testdorp Noord"
