"""Receivers and hooks connected in ``GroupsConfig.ready()``."""

from __future__ import annotations

from apps.areas.index import bump

from .models import Group


def areas_changed(sender, **kwargs) -> None:
    # A group's name, status or area, or a municipality's name, is part of what the in-memory
    # public lookup answers; a new version token makes every process rebuild it.
    bump()


def active_area_ids() -> list[int]:
    """The areas of active groups (``apps.areas.usage``)."""
    return list(Group.objects.filter(status=Group.Status.ACTIVE).values_list("area_id", flat=True))
