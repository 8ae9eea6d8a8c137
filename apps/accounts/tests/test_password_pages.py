"""Forgot your password: the link goes through the outgoing-message table, the page never says
whether an address is known, and a used, expired or forged link shows our invalid-link page."""

from __future__ import annotations

import re
import time

import pytest
import time_machine
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from apps.accounts.models import User
from apps.messaging.models import OutgoingMessage
from apps.messaging.services import deliver
from testkit.world import PASSWORD

FORGOT = "/account/wachtwoord-vergeten/"


def link_in(body: str) -> str:
    match = re.search(r"http://testserver(/account/wachtwoord/[^/\s]+/[^/\s]+/)", body)
    assert match, body
    return match.group(1)


def confirm_path(user, token: str | None = None) -> str:
    return reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": token or default_token_generator.make_token(user),
        },
    )


def test_urls_are_dutch(db):
    assert reverse("accounts:password_reset") == FORGOT
    assert reverse("accounts:password_reset_done") == "/account/wachtwoord-vergeten/verzonden/"
    assert reverse("accounts:password_reset_complete") == "/account/wachtwoord/klaar/"
    assert confirm_path(User(pk=7), "abc-def") == "/account/wachtwoord/Nw/abc-def/"


def test_login_page_links_to_forgot_password(client, db):
    page = client.get(reverse("accounts:login")).content.decode()
    assert f'href="{FORGOT}"' in page and "Forgot your password?" in page


def test_forgot_password_form(client, db):
    response = client.get(FORGOT)
    page = response.content.decode()
    assert response.status_code == 200 and "Forgot your password?" in page
    assert 'class="site-header"' in page  # our layout, not Django's admin look
    assert 'name="email"' in page


def test_a_known_address_gets_a_queued_link(client, world):
    response = client.post(FORGOT, {"email": "ADMIN_A@example.org"})
    assert response.status_code == 302 and response.url == reverse("accounts:password_reset_done")
    message = OutgoingMessage.objects.get(topic="account.password_reset")
    assert message.recipient == "admin_a@example.org" and message.status == OutgoingMessage.Status.QUEUED
    assert message.subject == "Choose a new password for Buurtwacht"
    assert "admin_a" in message.body and "http://testserver/account/inloggen/" in message.body
    assert mail.outbox == []  # nothing was sent directly, past the queue
    assert message.dedupe_key.startswith(f"account:{world.admin_a.pk}:password_reset:")

    # The worker sends it; the link then lets the person choose a password.
    assert deliver(message.pk) == OutgoingMessage.Status.SENT
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["admin_a@example.org"]
    path = link_in(message.body)
    response = client.get(path)
    assert response.status_code == 302
    response = client.post(response.url, {"new_password1": "fietsenstalling-42", "new_password2": "fietsenstalling-42"})
    assert response.status_code == 302 and response.url == reverse("accounts:password_reset_complete")
    page = client.get(response.url).content.decode()
    assert "Your password is saved" in page and f'href="{reverse("accounts:login")}"' in page
    world.admin_a.refresh_from_db()
    assert world.admin_a.check_password("fietsenstalling-42") and not world.admin_a.check_password(PASSWORD)
    # Used once, the link no longer works.
    response = client.get(path)
    assert "This link does not work" in response.content.decode()


def test_the_queued_link_is_in_the_dev_mailbox(client, world, settings):
    settings.BUURTWACHT_DEV_MAILBOX = True
    client.post(FORGOT, {"email": "admin_a@example.org"})
    page = client.get(reverse("mailbox")).content.decode()
    assert "Choose a new password for Buurtwacht" in page


def test_an_unknown_address_looks_the_same_and_sends_nothing(client, world):
    known = client.post(FORGOT, {"email": "admin_a@example.org"})
    unknown = client.post(FORGOT, {"email": "niemand-bekend@example.org"})
    assert (unknown.status_code, unknown.url) == (known.status_code, known.url)
    assert OutgoingMessage.objects.filter(topic="account.password_reset").count() == 1
    done = client.get(unknown.url).content.decode()
    assert "If an account uses this e-mail address" in done and "niemand-bekend@example.org" not in done


def test_a_switched_off_account_gets_nothing(client, world):
    User.objects.filter(pk=world.admin_a.pk).update(is_active=False)
    response = client.post(FORGOT, {"email": "admin_a@example.org"})
    assert response.status_code == 302
    assert not OutgoingMessage.objects.filter(topic="account.password_reset").exists()


def test_an_invited_admin_without_a_password_can_ask_again(client, world):
    """The invitation link expires; the invited person asks for a new one here."""
    User.objects.filter(pk=world.admin_b.pk).update(password="!unusable")
    client.post(FORGOT, {"email": "admin_b@example.org"})
    assert OutgoingMessage.objects.get(topic="account.password_reset").recipient == "admin_b@example.org"


def test_a_malformed_address_is_refused(client, db):
    response = client.post(FORGOT, {"email": "geen-adres"})
    assert response.status_code == 200 and "email" in response.context["form"].errors
    assert not OutgoingMessage.objects.exists()


def test_too_many_requests_from_one_connection(client, world, settings):
    settings.BUURTWACHT_PASSWORD_RESET_RATE = "2/h"
    for _ in range(2):
        assert client.post(FORGOT, {"email": "admin_a@example.org"}).status_code == 302
    response = client.post(FORGOT, {"email": "admin_a@example.org"})
    assert response.status_code == 200 and "too many times" in response.content.decode()
    assert OutgoingMessage.objects.filter(topic="account.password_reset").count() <= 2


def test_an_expired_link_is_refused(client, world, settings):
    settings.PASSWORD_RESET_TIMEOUT = 3600
    token = default_token_generator.make_token(world.admin_a)
    path = confirm_path(world.admin_a, token)
    assert client.get(path).status_code == 302  # still valid now

    with time_machine.travel(time.time() + 3 * 3600):  # three hours later
        response = client.get(path)
    page = response.content.decode()
    assert response.status_code == 200 and "This link does not work" in page
    assert 'class="site-header"' in page and f'href="{FORGOT}"' in page
    assert response.context["validlink"] is False


@pytest.mark.parametrize(
    "kind",
    ["forged token", "token of another account", "unknown account", "garbage uid", "session token missing"],
)
def test_a_forged_link_is_refused(client, world, kind):
    user = world.admin_a
    if kind == "forged token":
        path = confirm_path(user, "c0ffee-0123456789abcdef0123")
    elif kind == "token of another account":
        path = confirm_path(user, default_token_generator.make_token(world.admin_b))
    elif kind == "unknown account":
        path = reverse(
            "accounts:password_reset_confirm",
            kwargs={"uidb64": urlsafe_base64_encode(b"999999"), "token": default_token_generator.make_token(user)},
        )
    elif kind == "garbage uid":
        path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": "!!", "token": "x-y"})
    else:  # straight to the form without having opened the link first
        path = confirm_path(user, "set-password")
    password = user.password
    response = client.get(path)
    assert response.status_code == 200 and "This link does not work" in response.content.decode()
    response = client.post(path, {"new_password1": "overgenomen-123", "new_password2": "overgenomen-123"})
    assert response.status_code == 200 and "This link does not work" in response.content.decode()
    user.refresh_from_db()
    assert user.password == password


def test_a_changed_password_ends_older_links(client, world):
    path = confirm_path(world.admin_a)
    world.admin_a.set_password("een-ander-wachtwoord")
    world.admin_a.save()
    assert "This link does not work" in client.get(path).content.decode()


def test_weak_or_different_passwords_are_refused(client, world):
    form_url = client.get(confirm_path(world.admin_a)).url
    response = client.post(form_url, {"new_password1": "kort", "new_password2": "kort"})
    assert response.status_code == 200 and "new_password2" in response.context["form"].errors
    response = client.post(form_url, {"new_password1": "fietsenstalling-42", "new_password2": "fietsenstalling-43"})
    assert "new_password2" in response.context["form"].errors
    world.admin_a.refresh_from_db()
    assert world.admin_a.check_password(PASSWORD)
