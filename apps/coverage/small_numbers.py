"""The small-number rule of the figures (ADR 0033), defined here, one layer below ``apps.figures``
(``[tool.importlinter]`` in pyproject.toml), so that the national coverage page and the figures
(``apps.figures.suppression``, which imports it) follow one definition: a count of people below 5
reads "< 5" for a reader who may not see the people themselves; 0 reads 0."""

from __future__ import annotations

THRESHOLD = 5
SUPPRESSED = f"< {THRESHOLD}"


def people(n: int, *, exact: bool) -> int | str:
    """A count of people as this reader may see it."""
    if exact or n == 0 or n >= THRESHOLD:
        return n
    return SUPPRESSED
