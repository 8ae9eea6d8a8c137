"""The error pages a resident or an officer can meet: in their language, with a way back."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views import defaults


@pytest.mark.django_db
def test_an_unknown_address_is_a_page_of_the_site_in_dutch(client):
    response = client.get("/groepen/bestaat-niet/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Deze pagina bestaat niet (meer)" in page
    assert 'href="/"' in page and 'class="site-header"' in page  # the layout, and the way back
    assert '<html lang="nl">' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "heading"),
    [("fr", "Cette page n'existe pas (ou plus)"), ("en", "This page does not exist (any more)")],
)
def test_the_page_not_found_speaks_the_browsers_language(client, language, heading):
    response = client.get("/bestaat-niet/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    assert heading in response.content.decode()


def test_a_refused_action_is_a_page_of_the_site_that_says_why(client, world):
    # An admin may see an incident of their group but only the zone's police may close it.
    from apps.incidents.tests.helpers import report

    incident = report(world)
    client.force_login(world.admin_a)
    response = client.post(reverse("incidents:feedback", args=[incident.pk]), {"feedback": "x", "close": "on"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "U kunt deze pagina niet openen" in page and 'class="site-header"' in page
    incident.refresh_from_db()
    assert incident.status == "open"


def test_the_server_error_page_needs_nothing_from_the_request(rf: RequestFactory):
    # Rendered when something already broke: no user, no session, no database.
    with translation.override("nl"):
        response = defaults.server_error(rf.get("/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert "Er ging iets mis" in page
    assert "Bel eerst de politie" in page  # the one thing to do whatever happens to the site
    assert 'href="/"' in page
