"""Which areas are in use, as the apps above areas say (registered in their ``ready()``).

Areas know nothing of groups. The area import still reports overlaps with the areas of active
groups, so ``apps.groups`` registers the function that names those areas.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

_active_area_ids: list[Callable[[], Iterable[int]]] = []


def register_active_area_ids(source: Callable[[], Iterable[int]]) -> None:
    if source not in _active_area_ids:
        _active_area_ids.append(source)


def active_area_ids() -> set[int]:
    """Ids of the areas that an active group (or anything else registered) uses."""
    found: set[int] = set()
    for source in _active_area_ids:
        found.update(source())
    return found
