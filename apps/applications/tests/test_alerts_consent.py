"""The consent to alerts on the application form: optional and unticked, stored with its moment
and wording, carried to the member on approval with its own audit event."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext, override

from apps.applications import services
from apps.applications.forms import ApplicationForm
from apps.applications.models import Application
from apps.audit.models import AuditEvent
from apps.members.alerts import ALERTS_CONSENT, ALERTS_CONSENT_VERSION
from testkit.world import World, application_data

WHEN = dt.datetime(2026, 11, 21, 14, 5)


def submit(world: World, **overrides) -> Application:
    form = ApplicationForm(application_data(World.ADDRESS_A, **overrides), country="BE")
    assert form.is_valid(), form.errors
    return services.submit(world.group_a, form.cleaned_data).application


def approve(world: World, application: Application):
    application = services.confirm(services.confirmation_token(application))
    return services.approve(application, actor=world.admin_a)


def test_the_box_is_optional_and_unticked(client, world: World):
    html = client.get(reverse("public:apply", args=[world.group_a.slug])).content.decode()
    box = re.search(r'<input type="checkbox" name="alerts_opt_in"[^>]*>', html)
    assert box and "checked" not in box.group(0) and "required" not in box.group(0)
    with override("nl"):
        assert escape(str(ALERTS_CONSENT)) in html
    assert ApplicationForm(application_data(World.ADDRESS_A), country="BE").is_valid()


def test_ticked_on_the_web_form_is_stored_with_moment_and_wording(client, world: World):
    with time_machine.travel(timezone.make_aware(WHEN), tick=False):
        response = client.post(
            reverse("public:apply", args=[world.group_a.slug]),
            application_data(World.ADDRESS_A, alerts_opt_in="on"),
        )
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.alerts_opt_in_at == timezone.make_aware(WHEN)
    with override("nl"):  # the page's language: the wording as the resident read it
        assert application.alerts_consent_text == str(ALERTS_CONSENT)
    submitted = AuditEvent.objects.get(action=AuditEvent.Action.APPLICATION_SUBMITTED)
    assert submitted.data["alerts_opt_in"] is True


def test_unticked_stores_no_consent(client, world: World):
    client.post(reverse("public:apply", args=[world.group_a.slug]), application_data(World.ADDRESS_A))
    application = Application.objects.get()
    assert application.alerts_opt_in_at is None and application.alerts_consent_text == ""


@pytest.mark.parametrize("ticked", [True, False])
def test_the_status_page_tells_the_resident_their_choice(client, world: World, ticked):
    data = application_data(World.ADDRESS_A, alerts_opt_in="on" if ticked else "")
    key = services.submit(world.group_a, _clean(data)).access_key
    html = client.get(reverse("public:application_status", args=[key])).content.decode()
    with override("nl"):
        did_not = gettext("You did not ask for them.")
    assert (did_not in html) is not ticked


def _clean(data: dict) -> dict:
    form = ApplicationForm(data, country="BE")
    assert form.is_valid(), form.errors
    return form.cleaned_data


def test_approval_carries_the_consent_to_the_member_with_its_audit_event(world: World):
    with time_machine.travel(timezone.make_aware(WHEN), tick=False), override("en"):
        application = submit(world, alerts_opt_in="on")
    member = approve(world, application)
    assert member.alerts_opt_in_at == timezone.make_aware(WHEN)
    with override("en"):  # the wording as the resident read it, in their language
        shown = str(ALERTS_CONSENT)
    assert member.alerts_consent_text == application.alerts_consent_text == shown
    assert member.receives_alerts and member.alerts_opt_out_at is None
    [event] = AuditEvent.objects.filter(action=AuditEvent.Action.MEMBER_ALERTS_OPTED_IN)
    assert event.target_type == "members.member" and event.target_id == str(member.pk)
    assert event.actor is None and event.group_id == world.group_a.pk
    data = dict(event.data)
    assert dt.datetime.fromisoformat(data.pop("consented_at")) == timezone.make_aware(WHEN)
    assert data == {"via": "application", "application_id": application.pk, "wording": ALERTS_CONSENT_VERSION}
    # Written with the member, in the approval's transaction.
    approved = AuditEvent.objects.get(action=AuditEvent.Action.APPLICATION_APPROVED)
    assert approved.data["member_id"] == member.pk and event.pk > approved.pk


def test_approval_without_consent_gives_a_member_without_alerts(world: World):
    member = approve(world, submit(world))
    assert member.alerts_opt_in_at is None and not member.receives_alerts
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.MEMBER_ALERTS_OPTED_IN).exists()


def test_a_refused_application_stores_no_consent(client, world: World):
    client.post(
        reverse("public:apply", args=[world.group_a.slug]),
        application_data(World.ADDRESS_A, alerts_opt_in="on", accept_house_rules=""),
    )
    assert not Application.objects.exists()
