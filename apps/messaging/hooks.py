"""What the apps above messaging hand it, registered in their ``AppConfig.ready()``.

Messaging is the delivery layer: it knows recipients and channels, not groups, members or
municipalities. Where it needs an answer only a higher app can give, that app registers a
function here, and messaging imports nothing above itself:

- ``member_contact``: where a member who asked for alerts is reached now (``apps.members``);
  ``None`` when they left or stopped the alerts, so nothing more is sent to them.
- ``message_access``: whether a person may act on a message (retry a failed one), asked of every
  registered check in turn (``apps.groups`` for a group's messages, ``apps.municipalities``
  for a municipality's).
- ``background``: the jobs the embedded worker runs beside its deliveries (an upload's import,
  the coverage count) and now and then (expiring old applications).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_member_contact: list[Callable[[int], Any]] = []
_message_access: list[Callable[[Any, Any], bool]] = []


def register_member_contact(resolver: Callable[[int], Any]) -> None:
    """One resolver: a second registration replaces the first (the app's ready() may run twice
    in tests that reload apps)."""
    _member_contact[:] = [resolver]


def member_contact(member_id: int):
    """The member's contact now, or None (also when no app answers for members)."""
    if not _member_contact:
        return None
    return _member_contact[0](member_id)


def register_message_access(check: Callable[[Any, Any], bool]) -> None:
    if check not in _message_access:
        _message_access.append(check)


def may_act_on(actor, message) -> bool:
    return any(check(actor, message) for check in _message_access)


@dataclass(frozen=True)
class BackgroundJob:
    """A job of the embedded worker.

    ``slow`` jobs run in its second thread, one round after another (imports, counts), so an
    alert never waits behind them; the others run in its main loop every ``every`` seconds.
    ``at_start`` runs once when the worker starts. ``order`` sets the order within a round.
    """

    name: str
    run: Callable[[], Any]
    slow: bool = False
    every: float = 0.0
    at_start: Callable[[], Any] | None = None
    order: int = 100


_background: dict[str, BackgroundJob] = {}


def register_background(job: BackgroundJob) -> None:
    _background[job.name] = job


def background_jobs(*, slow: bool) -> list[BackgroundJob]:
    return sorted((j for j in _background.values() if j.slow == slow), key=lambda j: (j.order, j.name))


def start_jobs() -> list[Callable[[], Any]]:
    return [j.at_start for j in sorted(_background.values(), key=lambda j: (j.order, j.name)) if j.at_start]
