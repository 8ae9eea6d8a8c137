"""Publishing house rules: versions, languages, nothing published twice, who may, and the admins
told in the same transaction."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from apps.audit.models import AuditEvent
from apps.groups.models import Group
from apps.messaging.models import OutgoingMessage
from apps.municipalities.models import HouseRulesTranslation, HouseRulesVersion
from apps.municipalities.services import normalize_rules_text, publish_house_rules

# The world publishes testdorp's version 1: "Huisregels", "1. Eerst 101 bellen.\n2. Geen chat."


def _state(world):
    return (
        list(HouseRulesVersion.objects.order_by("pk").values_list("pk", "version", "title", "text")),
        HouseRulesTranslation.objects.count(),
        AuditEvent.objects.filter(action=AuditEvent.Action.HOUSE_RULES_PUBLISHED).count(),
        OutgoingMessage.objects.count(),
    )


def test_each_publication_is_a_new_version(world):
    rules = publish_house_rules(world.testdorp, title="Nieuw", text="Eerst 101.", actor=world.coordinator)
    assert rules.version == 2 and world.testdorp.current_house_rules == rules
    assert HouseRulesVersion.objects.filter(municipality=world.testdorp).count() == 2
    assert rules.language == "nl"


@pytest.mark.parametrize(
    "title, text",
    [
        ("Huisregels", "1. Eerst 101 bellen.\r\n2. Geen chat."),  # what a browser's textarea sends
        ("Huisregels", "1. Eerst 101 bellen.  \n2. Geen chat.\t\n\n"),
        (" Huisregels ", "\r\n1. Eerst 101 bellen.\r2. Geen chat.   "),
    ],
)
def test_the_same_text_is_not_published_again(world, title, text):
    before = _state(world)
    with pytest.raises(ValidationError) as excinfo:
        publish_house_rules(world.testdorp, title=title, text=text, actor=world.coordinator)
    assert excinfo.value.code == "unchanged" and excinfo.value.params == {"version": 1}
    assert _state(world) == before


def test_a_version_stored_with_windows_line_endings_is_compared_normalised(world):
    HouseRulesVersion.objects.filter(municipality=world.testdorp).update(
        text="1. Eerst 101 bellen.\r\n2. Geen chat.\r\n"
    )
    with pytest.raises(ValidationError):
        publish_house_rules(
            world.testdorp, title="Huisregels", text="1. Eerst 101 bellen.\n2. Geen chat.", actor=world.coordinator
        )


def test_text_is_stored_normalised_and_a_real_change_is_published(world):
    rules = publish_house_rules(
        world.testdorp,
        title="Huisregels",
        text="1. Eerst 101 bellen.\r\n2. Geen chat.\r\n3. Geen foto's. ",
        actor=world.coordinator,
    )
    assert rules.version == 2 and rules.text == "1. Eerst 101 bellen.\n2. Geen chat.\n3. Geen foto's."
    assert normalize_rules_text("  a \r\n\r\n b\t\r\n") == "a\n\n b"


def test_a_new_title_alone_is_a_new_version(world):
    assert (
        publish_house_rules(
            world.testdorp,
            title="Afsprakencharter",
            text="1. Eerst 101 bellen.\n2. Geen chat.",
            actor=world.coordinator,
        ).version
        == 2
    )


def test_a_version_carries_its_texts_per_language(world):
    rules = publish_house_rules(
        world.testdorp,
        title="Huisregels",
        text="1. Eerst 101 bellen.\n2. Geen chat.",
        translations={"fr": {"title": "Règlement", "text": "1. Appelez d'abord le 101.\r\n2. Pas de chat."}, "en": {}},
        actor=world.coordinator,
    )
    assert rules.version == 2  # a new language is a change
    assert {t.language for t in rules.translations.all()} == {"fr"}
    assert rules.in_language("fr") == ("fr", "Règlement", "1. Appelez d'abord le 101.\n2. Pas de chat.")
    assert rules.in_language("fr-be").language == "fr"
    assert rules.in_language("en") == ("nl", "Huisregels", "1. Eerst 101 bellen.\n2. Geen chat.")
    # The same texts again, in any order, with other line endings: nothing changed.
    with pytest.raises(ValidationError):
        publish_house_rules(
            world.testdorp,
            title="Huisregels",
            text="1. Eerst 101 bellen.\r\n2. Geen chat.",
            translations={
                "en": {"title": "", "text": ""},
                "fr": {"title": "Règlement", "text": "1. Appelez d'abord le 101.\n2. Pas de chat."},
            },
            actor=world.coordinator,
        )
    # Dropping the French text is a change.
    assert (
        publish_house_rules(
            world.testdorp, title="Huisregels", text="1. Eerst 101 bellen.\n2. Geen chat.", actor=world.coordinator
        ).version
        == 3
    )


def test_a_french_speaking_municipality_publishes_in_french_first(world):
    world.testdorp.language = "fr"
    world.testdorp.save()
    rules = publish_house_rules(
        world.testdorp,
        title="Règlement",
        text="Appelez d'abord le 101.",
        translations={"nl": {"title": "Huisregels", "text": "Bel eerst 101."}},
        actor=world.coordinator,
    )
    assert (rules.language, rules.title) == ("fr", "Règlement")
    assert rules.in_language("nl").text == "Bel eerst 101." and rules.in_language("en").language == "fr"


@pytest.mark.parametrize(
    "fields, translations, error_keys",
    [
        ({"title": "", "text": "x"}, None, {"title"}),
        ({"title": "T", "text": " \r\n "}, None, {"text"}),
        ({"title": "T" * 201, "text": "x"}, None, {"title"}),
        ({"title": "T", "text": "x"}, {"fr": {"title": "Règlement", "text": ""}}, {"text_fr"}),
        ({"title": "T", "text": "x"}, {"en": {"title": "", "text": "Rules"}}, {"title_en"}),
        ({"title": "T", "text": "x"}, {"de": {"title": "Regeln", "text": "Zuerst 110."}}, {"__all__"}),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(world, fields, translations, error_keys):
    before = _state(world)
    with pytest.raises(ValidationError) as excinfo:
        publish_house_rules(world.testdorp, **fields, translations=translations, actor=world.coordinator)
    assert set(excinfo.value.message_dict) == error_keys
    assert _state(world) == before


@pytest.mark.parametrize("who", ["coordinator_nl", "admin_a", "co_admin_a", "police", "nobody"])
def test_others_cannot_publish(world, who):
    before = _state(world)
    with pytest.raises(PermissionDenied):
        publish_house_rules(world.testdorp, title="X", text="Y", actor=getattr(world, who))
    assert world.testdorp.current_house_rules.version == 1
    assert _state(world) == before


def _mail(user):
    return OutgoingMessage.objects.filter(topic="house_rules.published", recipient=user.email)


def test_a_new_version_is_mailed_to_each_admin_in_their_language(world):
    world.admin_b.language = "fr"
    world.admin_b.save()
    rules = publish_house_rules(
        world.testdorp,
        title="Huisregels",
        text="1. Eerst 101 bellen.\n2. Geen chat.\n3. Geen foto's.",
        translations={"fr": {"title": "Règlement", "text": "1. Appelez d'abord le 101."}},
        actor=world.coordinator,
    )
    for admin in (world.admin_a, world.co_admin_a, world.admin_b):
        assert _mail(admin).count() == 1
    assert OutgoingMessage.objects.filter(topic="house_rules.published").count() == 3
    dutch, french = _mail(world.admin_a).get(), _mail(world.admin_b).get()
    assert "3. Geen foto's." in dutch.body and "Appelez d'abord" not in dutch.body
    assert "1. Appelez d'abord le 101." in french.body and "Geen foto's" not in french.body
    assert f"/groepen/{world.group_a.slug}/#house-rules" in dutch.body
    assert dutch.municipality_id == world.testdorp.pk
    event = AuditEvent.objects.filter(action=AuditEvent.Action.HOUSE_RULES_PUBLISHED).latest("pk")
    assert event.data["admins_notified"] == 3 and event.data["languages"] == ["fr", "nl"]
    assert not OutgoingMessage.objects.filter(topic="house_rules.published", recipient__in=["", None]).exists()
    assert rules.version == 2


def test_admins_of_a_closed_group_or_another_municipality_are_not_told(world):
    world.group_b.status = Group.Status.CLOSED
    world.group_b.save()
    publish_house_rules(world.testdorp, title="Nieuw", text="Nieuwe tekst.", actor=world.coordinator)
    assert not _mail(world.admin_b).exists() and _mail(world.admin_a).count() == 1


def test_a_refused_publication_tells_nobody(world):
    with pytest.raises(ValidationError):
        publish_house_rules(
            world.testdorp, title="Huisregels", text="1. Eerst 101 bellen.\r\n2. Geen chat.", actor=world.coordinator
        )
    assert not OutgoingMessage.objects.filter(topic="house_rules.published").exists()


def test_the_mail_is_written_in_the_admins_language(world):
    """Needs the nl and fr catalogues filled."""
    world.admin_b.language = "fr"
    world.admin_b.save()
    publish_house_rules(world.testdorp, title="Nieuw", text="Nieuwe tekst.", actor=world.coordinator)
    assert _mail(world.admin_a).get().subject == "Nieuwe huisregels voor Testdorp (versie 2)"
    assert _mail(world.admin_b).get().subject == "Nouveau règlement pour Testdorp (version 2)"
