"""Write path for house rules."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import account_of
from apps.municipalities.permissions import require_municipality

from .models import HouseRulesVersion, Municipality


@transaction.atomic
def publish_house_rules(municipality: Municipality, *, title: str, text: str, actor) -> HouseRulesVersion:
    require_municipality(actor, municipality)
    # Lock the municipality so two coordinators publishing at once get distinct versions.
    Municipality.objects.select_for_update().filter(pk=municipality.pk).first()
    latest = municipality.house_rules.aggregate(v=Max("version"))["v"] or 0
    rules = HouseRulesVersion.objects.create(
        municipality=municipality,
        version=latest + 1,
        title=title.strip(),
        text=text.strip(),
        published_by=account_of(actor),
    )
    record(
        actor, AuditEvent.Action.HOUSE_RULES_PUBLISHED, rules, municipality_id=municipality.pk, version=rules.version
    )
    return rules
