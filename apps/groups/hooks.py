"""What the apps above groups hand it, registered in their ``AppConfig.ready()``.

- ``group_activated``: a group's status became active; the registered function (``apps.members``)
  tells the group's current members that it is live. It runs inside ``save_group``'s transaction,
  so the messages are queued with the change or not at all, and returns how many it queued.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_group_activated: list[Callable[..., int]] = []


def register_group_activated(receiver: Callable[..., int]) -> None:
    """One receiver per function: a second registration of the same one is ignored (an app's
    ready() may run twice in tests that reload apps)."""
    if receiver not in _group_activated:
        _group_activated.append(receiver)


def group_activated(group, *, actor: Any) -> int:
    """Call every receiver; the number of messages they queued."""
    return sum(receiver(group, actor=actor) or 0 for receiver in _group_activated)
