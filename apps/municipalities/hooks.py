"""What the apps above municipalities hand it, registered in their ``AppConfig.ready()``.

- ``house_rules_published``: a real new version of a municipality's house rules was published;
  the registered function (``apps.groups.house_rules_notice``) tells the municipality's group
  admins. It runs inside ``publish_house_rules``'s transaction, so the messages are queued with
  the version or not at all, whoever publishes (the desk, the admin site, a command), and
  returns how many it queued.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_house_rules_published: list[Callable[..., int]] = []


def register_house_rules_published(receiver: Callable[..., int]) -> None:
    """One receiver per function: a second registration of the same one is ignored (an app's
    ready() may run twice in tests that reload apps)."""
    if receiver not in _house_rules_published:
        _house_rules_published.append(receiver)


def house_rules_published(rules, *, actor: Any) -> int:
    """Call every receiver; the number of messages they queued."""
    return sum(receiver(rules, actor=actor) or 0 for receiver in _house_rules_published)
