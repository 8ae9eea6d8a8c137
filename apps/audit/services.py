"""The one way to write an audit event."""

from __future__ import annotations

from typing import Any

from django.db import models

from apps.core.actors import require_actor

from .models import AuditEvent


def record(
    actor,
    action: str,
    target: models.Model | None = None,
    *,
    municipality_id: int | None = None,
    group_id: int | None = None,
    **data: Any,
) -> AuditEvent:
    """Append an event. ``data`` must never hold personal data beyond ids and counts.

    ``actor`` is a person's account or ``SYSTEM``, never ``None``."""
    require_actor(actor)
    target_type = target._meta.label_lower if target is not None else ""
    target_id = str(target.pk) if target is not None else ""
    if group_id is None and target is not None:
        group_id = getattr(target, "group_id", None)
    if municipality_id is None and target is not None:
        municipality_id = getattr(target, "municipality_id", None)
    authenticated = getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if authenticated else None,
        actor_label=actor.get_username() if authenticated else "",
        action=action,
        target_type=target_type,
        target_id=target_id,
        municipality_id=municipality_id,
        group_id=group_id,
        data=data,
    )
