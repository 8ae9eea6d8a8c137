"""The house rules on the desk (publish, refuse the same text) and on the residents' pages (the
page's language, else the municipality's, marked with ``lang``)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.actors import SYSTEM
from apps.messaging.models import OutgoingMessage
from apps.municipalities.models import HouseRulesVersion
from apps.municipalities.services import publish_house_rules
from testkit.world import PASSWORD, add_member


def _url(world):
    return reverse("staff:house_rules_publish", args=[world.testdorp.pk])


def test_the_desk_refuses_the_same_text_sent_with_windows_line_endings(client, world):
    client.login(username="coordinator", password=PASSWORD)
    response = client.post(
        _url(world),
        {"title": "Huisregels", "text": "1. Eerst 101 bellen.\r\n2. Geen chat.\r\n"},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert list(response.context["form"].non_field_errors()) == [
        "Nothing changed: this is the text of version 1. Nothing was published."
    ]
    assert HouseRulesVersion.objects.filter(municipality=world.testdorp).count() == 1
    assert not OutgoingMessage.objects.filter(topic="house_rules.published").exists()


def test_the_desk_publishes_texts_per_language_and_shows_them(client, world):
    client.login(username="coordinator", password=PASSWORD)
    page = client.get(_url(world), headers={"Accept-Language": "en"}).content.decode()
    assert 'name="title_fr"' in page and 'name="text_en"' in page and 'lang="fr"' in page
    response = client.post(
        _url(world),
        {
            "title": "Huisregels",
            "text": "1. Eerst 101 bellen.\r\n2. Geen chat.\r\n3. Geen foto's.",
            "title_fr": "Règlement",
            "text_fr": "1. Appelez d'abord le 101.",
            "title_en": "",
            "text_en": "",
        },
    )
    assert response.status_code == 302
    rules = world.testdorp.current_house_rules
    assert rules.version == 2 and rules.in_language("fr").title == "Règlement"
    assert OutgoingMessage.objects.filter(topic="house_rules.published").count() == 3
    page = client.get(_url(world)).content.decode()
    assert '<div class="card rules" lang="fr"><h3>Règlement</h3>' in page
    # The form starts from the current texts, so sending it unchanged is refused.
    form = client.get(_url(world)).context["form"]
    assert form.initial["title_fr"] == "Règlement" and form.initial["text"] == rules.text


def test_a_half_translation_is_refused_on_its_field(client, world):
    client.login(username="coordinator", password=PASSWORD)
    response = client.post(
        _url(world), {"title": "Nieuw", "text": "Nieuwe tekst.", "title_fr": "Règlement", "text_fr": ""}
    )
    assert response.status_code == 200 and "text_fr" in response.context["form"].errors
    assert HouseRulesVersion.objects.filter(municipality=world.testdorp).count() == 1


@pytest.mark.parametrize("who", ["coordinator_nl", "admin_a", "police", "nobody"])
def test_other_roles_cannot_publish_on_the_desk(client, world, who):
    client.login(username=who, password=PASSWORD)
    response = client.post(_url(world), {"title": "X", "text": "Y"})
    assert response.status_code in (403, 404)
    assert HouseRulesVersion.objects.filter(municipality=world.testdorp).count() == 1
    assert not OutgoingMessage.objects.filter(topic="house_rules.published").exists()


def _rules_block(html: str) -> str:
    start = html.index('<div class="house-rules" id="house-rules">')
    return html[start : html.index("</div>\n</div>", start)]


def _publish_french(world):
    publish_house_rules(
        world.testdorp,
        title="Huisregels",
        text="1. Eerst 101 bellen.",
        translations={"fr": {"title": "Charte de Testdorp", "text": "1. Appelez le 101 avant tout."}},
        actor=SYSTEM,
    )


@pytest.mark.parametrize("page", ["public:group_detail", "public:apply"])
def test_a_french_page_shows_the_french_text(client, world, page):
    _publish_french(world)
    html = client.get(reverse(page, args=[world.group_a.slug]), headers={"Accept-Language": "fr"}).content.decode()
    assert "<h3>Charte de Testdorp</h3>" in html and "<div><p>1. Appelez le 101 avant tout.</p></div>" in html
    rules = _rules_block(html)
    assert "Eerst 101 bellen" not in rules and "lang=" not in rules


@pytest.mark.parametrize("page", ["public:group_detail", "public:apply"])
def test_without_a_translation_the_dutch_text_is_marked_dutch(client, world, page):
    _publish_french(world)
    html = client.get(reverse(page, args=[world.group_a.slug]), headers={"Accept-Language": "en"}).content.decode()
    assert '<h3 lang="nl">Huisregels</h3>' in html
    assert '<div lang="nl"><p>1. Eerst 101 bellen.</p></div>' in html


def test_a_dutch_page_needs_no_lang_attribute(client, world):
    html = client.get(reverse("public:group_detail", args=[world.group_a.slug]), headers={"Accept-Language": "nl"})
    text = html.content.decode()
    assert "<h3>Huisregels</h3>" in text and "1. Eerst 101 bellen." in text


def test_the_desk_shows_how_many_current_members_accepted_each_version(client, world):
    first = world.testdorp.current_house_rules
    add_member(world.group_a, 1)
    add_member(world.group_b, 2)
    gone = add_member(world.group_a, 3)
    gone.left_at = timezone.now()
    gone.save()
    add_member(world.group_nl, 4)  # another municipality's
    second = publish_house_rules(world.testdorp, title="Nieuw", text="Nieuwe tekst.", actor=SYSTEM)
    add_member(world.group_a, 5, house_rules_version=second)
    client.login(username="coordinator", password=PASSWORD)
    response = client.get(_url(world), headers={"Accept-Language": "en"})
    versions = {v.version: v.accepted_by for v in response.context["versions"]}
    assert versions == {second.version: 1, first.version: 2}
    html = response.content.decode()
    assert "1 current member accepted this version." in html
    assert "accepted by 2 current members" in html
