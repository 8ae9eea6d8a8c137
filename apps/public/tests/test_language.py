"""Dutch first; a resident can switch to French or English."""

from __future__ import annotations

from apps.applications.models import Application
from testkit.world import World

from .helpers import submit_application


def test_dutch_by_default(client, world: World):
    assert '<html lang="nl">' in client.get("/").content.decode()


def test_switch_to_french(client, world: World):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/zoeken/"})
    assert response.status_code == 302 and response["Location"] == "/zoeken/"
    for url in ("/", "/groepen/testdorp-noord/", "/groepen/testdorp-noord/aanmelden/", "/groep-starten/"):
        assert '<html lang="fr">' in client.get(url).content.decode(), url


def test_application_remembers_the_language_it_was_made_in(client, world: World):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert submit_application(client, world.group_a).status_code == 302
    assert Application.objects.get().language == "en"
