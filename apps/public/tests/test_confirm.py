"""Confirming an application from the link in the e-mail."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.urls import reverse
from django.utils import timezone

from apps.applications import services
from apps.applications.models import Application
from apps.messaging.models import OutgoingMessage
from testkit.world import World

from .helpers import nothing_stored, says, submit_application


def confirm_url(application: Application) -> str:
    return reverse("public:application_confirm", args=[services.confirmation_token(application)])


def submitted(client, world: World) -> Application:
    assert submit_application(client, world.group_a).status_code == 302
    return Application.objects.get()


def test_get_only_shows_a_button_and_changes_nothing(client, world: World):
    application = submitted(client, world)
    with nothing_stored():
        response = client.get(confirm_url(application))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<form method="post"' in html and says(html, "Confirm my application")
    assert '<meta name="robots" content="noindex">' in html
    assert response["Referrer-Policy"] == "same-origin"
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED and application.confirmed_at is None
    assert not OutgoingMessage.objects.filter(topic="application.new_for_admin").exists()


def test_post_confirms_and_tells_the_admin(client, world: World):
    application = submitted(client, world)
    response = client.post(confirm_url(application))
    assert response.status_code == 200
    html = response.content.decode()
    assert says(html, "Thank you, your application is confirmed")
    assert says(html, "The link to follow your application is in the e-mail we sent you.")
    application.refresh_from_db()
    assert application.status == Application.Status.CONFIRMED
    assert OutgoingMessage.objects.filter(topic="application.new_for_admin", recipient=world.admin_a.email).count() == 1


def test_second_post_is_harmless(client, world: World):
    application = submitted(client, world)
    client.post(confirm_url(application))
    application.refresh_from_db()
    confirmed_at = application.confirmed_at
    with nothing_stored():
        response = client.post(confirm_url(application))
    assert response.status_code == 200
    application.refresh_from_db()
    assert application.status == Application.Status.CONFIRMED and application.confirmed_at == confirmed_at


def test_withdrawn_application_is_not_confirmed(client, world: World):
    application = submitted(client, world)
    services.withdraw(application)
    response = client.post(confirm_url(application))
    assert response.status_code == 200
    assert says(response.content.decode(), "Nothing has changed")
    application.refresh_from_db()
    assert application.status == Application.Status.WITHDRAWN


def test_expired_link_is_refused(client, world: World):
    application = submitted(client, world)
    url = confirm_url(application)
    with time_machine.travel(timezone.now() + dt.timedelta(days=3)), nothing_stored():
        response = client.post(url)
    assert response.status_code == 400
    html = response.content.decode()
    assert says(html, "This confirmation link has expired. Apply again.")
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


def test_link_still_valid_just_before_expiry(client, world: World, settings):
    application = submitted(client, world)
    url = confirm_url(application)
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=settings.BUURTWACHT_CONFIRMATION_MAX_AGE - 60)):
        assert client.post(url).status_code == 200
    application.refresh_from_db()
    assert application.status == Application.Status.CONFIRMED


def test_garbage_or_tampered_link_is_refused(client, world: World):
    application = submitted(client, world)
    for token in ("garbage", services.confirmation_token(application) + "x", "1:abc:def"):
        with nothing_stored():
            response = client.post(reverse("public:application_confirm", args=[token]))
        assert response.status_code == 400
        assert says(response.content.decode(), "This confirmation link is not valid.")
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
