"""The applicant's own status page, behind the secret link, and withdrawing from it."""

from __future__ import annotations

from django.urls import reverse

from apps.applications import services
from apps.applications.models import Application
from testkit.world import World

from .helpers import latest_status_key, nothing_stored, says, submit_application


def status_url(key: str) -> str:
    return reverse("public:application_status", args=[key])


def applied(client, world: World) -> str:
    assert submit_application(client, world.group_a).status_code == 302
    return latest_status_key(client)


def test_status_page_shows_the_application_and_own_data(client, world: World):
    key = applied(client, world)
    response = client.get(status_url(key))
    assert response.status_code == 200
    html = response.content.decode()
    application = Application.objects.get()
    assert str(application.get_status_display()).capitalize() in html
    assert "Testdorp Noord" in html
    assert "Jan Peeters" in html and "Noordstraat 1, 3870 Testdorp" in html
    assert "+32 470 12 34 56" in html and "jan.peeters@example.org" in html
    assert reverse("public:application_withdraw", args=[key]) in html


def test_status_page_is_kept_out_of_search_engines_and_referrers(client, world: World):
    key = applied(client, world)
    response = client.get(status_url(key))
    assert '<meta name="robots" content="noindex">' in response.content.decode()
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_unknown_key_is_404(client, world: World):
    applied(client, world)
    assert client.get(status_url("not-a-real-key-but-long-enough-123")).status_code == 404
    assert client.get(reverse("public:application_withdraw", args=["nope"])).status_code == 404


def test_rejected_application_shows_the_reason(client, world: World):
    key = applied(client, world)
    application = Application.objects.get()
    services.confirm(services.confirmation_token(application))
    services.reject(application, actor=world.admin_a, reason="Adres ligt buiten de wijk.")
    html = client.get(status_url(key)).content.decode()
    assert "Adres ligt buiten de wijk." in html
    assert reverse("public:application_withdraw", args=[key]) not in html


def test_withdraw_asks_first_then_withdraws(client, world: World):
    key = applied(client, world)
    withdraw_url = reverse("public:application_withdraw", args=[key])
    with nothing_stored():
        page = client.get(withdraw_url)
    assert page.status_code == 200
    assert says(page.content.decode(), "Yes, withdraw my application")
    assert Application.objects.get().status == Application.Status.SUBMITTED

    response = client.post(withdraw_url)
    assert response.status_code == 302 and response["Location"] == status_url(key)
    assert Application.objects.get().status == Application.Status.WITHDRAWN
    html = client.get(status_url(key)).content.decode()
    assert says(html, "Your application has been withdrawn. Nothing more will happen with it.")
    assert withdraw_url not in html


def test_withdrawing_twice_changes_nothing(client, world: World):
    key = applied(client, world)
    withdraw_url = reverse("public:application_withdraw", args=[key])
    client.post(withdraw_url)
    decided_at = Application.objects.get().decided_at
    response = client.post(withdraw_url)
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.status == Application.Status.WITHDRAWN and application.decided_at == decided_at


def test_after_withdrawing_the_same_phone_may_apply_again(client, world: World):
    key = applied(client, world)
    client.post(reverse("public:application_withdraw", args=[key]))
    assert submit_application(client, world.group_a).status_code == 302
    assert Application.objects.filter(status=Application.Status.SUBMITTED).count() == 1


def test_a_withdrawn_application_says_when_it_was_withdrawn_and_leads_back_to_the_groups_form(client, world: World):
    key = applied(client, world)
    client.post(reverse("public:application_withdraw", args=[key]))
    html = client.get(status_url(key)).content.decode()
    assert says(html, "Withdrawn on") and not says(html, "Decided on")
    assert f'href="{reverse("public:apply", args=[world.group_a.slug])}"' in html


def test_a_rejected_application_says_when_it_was_decided(client, world: World):
    key = applied(client, world)
    application = Application.objects.get()
    services.confirm(services.confirmation_token(application))
    services.reject(application, actor=world.admin_a, reason="Adres ligt buiten de wijk.")
    html = client.get(status_url(key)).content.decode()
    assert says(html, "Decided on") and not says(html, "Withdrawn on")
