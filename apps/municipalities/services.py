"""Write path for house rules."""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import account_of
from apps.municipalities.permissions import require_municipality

from . import hooks
from .models import HouseRulesTranslation, HouseRulesVersion, Municipality

TITLE_MAX_LENGTH = HouseRulesVersion._meta.get_field("title").max_length


def normalize_rules_text(value: str) -> str:
    """The text as it is stored and compared: line endings as ``\\n`` (a browser sends ``\\r\\n``),
    no spaces at the end of a line, no empty lines at the start or the end."""
    lines = (value or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n").strip()


def normalize_rules_title(value: str) -> str:
    return " ".join((value or "").split())


def _texts(language: str, title: str, text: str, translations: Mapping[str, Mapping[str, str]] | None):
    """{language: (title, text)}, normalised, the version's own language first; refuses what
    cannot be published, every field at once."""
    errors: dict[str, list[ValidationError]] = {}
    texts: dict[str, tuple[str, str]] = {}
    known = {code for code, _name in settings.LANGUAGES}
    entries = [(language, {"title": title, "text": text})]
    entries += [(code, value) for code, value in (translations or {}).items() if code != language]
    for code, value in entries:
        own = code == language
        suffix = "" if own else f"_{code}"
        t = normalize_rules_title(value.get("title", ""))
        body = normalize_rules_text(value.get("text", ""))
        if code not in known:
            errors.setdefault("__all__", []).append(
                ValidationError(
                    _("House rules cannot be published in this language: %(language)s."),
                    params={"language": code},
                    code="language",
                )
            )
            continue
        if not own and not t and not body:
            continue  # no translation in this language
        if not t:
            errors[f"title{suffix}"] = [ValidationError(_("Give the house rules a title."), code="required")]
        elif len(t) > TITLE_MAX_LENGTH:
            errors[f"title{suffix}"] = [
                ValidationError(
                    _("The title is too long (at most %(max)d characters)."),
                    code="max_length",
                    params={"max": TITLE_MAX_LENGTH},
                )
            ]
        if not body:
            errors[f"text{suffix}"] = [ValidationError(_("Write the text of the house rules."), code="required")]
        texts[code] = (t, body)
    if errors:
        raise ValidationError(errors)
    return texts


def _published_texts(rules: HouseRulesVersion) -> dict[str, tuple[str, str]]:
    return {code: (normalize_rules_title(t.title), normalize_rules_text(t.text)) for code, t in rules.texts().items()}


@transaction.atomic
def publish_house_rules(
    municipality: Municipality,
    *,
    title: str,
    text: str,
    actor,
    translations: Mapping[str, Mapping[str, str]] | None = None,
) -> HouseRulesVersion:
    """Publish a new version: ``title`` and ``text`` in the municipality's language, and
    ``translations`` ({"fr": {"title": ..., "text": ...}}) in others. Refused when nothing
    changed since the current version (line endings and spaces at the end of lines do not
    count), so applicants are not asked to accept the same rules again. A new version is
    recorded and the municipality's group admins are told (``hooks.house_rules_published``)
    in the same transaction."""
    require_municipality(actor, municipality)
    # Lock the municipality so two coordinators publishing at once get distinct versions.
    Municipality.objects.select_for_update().filter(pk=municipality.pk).first()
    language = municipality.language
    texts = _texts(language, title, text, translations)
    current = municipality.current_house_rules
    if current is not None and _published_texts(current) == texts:
        raise ValidationError(
            _("Nothing changed: this is the text of version %(version)d. Nothing was published."),
            code="unchanged",
            params={"version": current.version},
        )
    latest = municipality.house_rules.aggregate(v=Max("version"))["v"] or 0
    own_title, own_text = texts.pop(language)
    rules = HouseRulesVersion.objects.create(
        municipality=municipality,
        version=latest + 1,
        language=language,
        title=own_title,
        text=own_text,
        published_by=account_of(actor),
    )
    HouseRulesTranslation.objects.bulk_create(
        HouseRulesTranslation(version=rules, language=code, title=t, text=body) for code, (t, body) in texts.items()
    )
    notified = hooks.house_rules_published(rules, actor=actor)
    record(
        actor,
        AuditEvent.Action.HOUSE_RULES_PUBLISHED,
        rules,
        municipality_id=municipality.pk,
        version=rules.version,
        languages=sorted([language, *texts]),
        admins_notified=notified,
    )
    return rules
