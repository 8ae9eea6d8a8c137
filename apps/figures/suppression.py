"""Small-number suppression, the one rule every page, download and API answer of the figures
follows: a count of people below ``THRESHOLD`` (members, applicants, who joined or left in a
month) is shown as "< 5" to everyone who may not see the members themselves: the police and the
public. The municipality's coordinators (and operators) see the exact number."""

from __future__ import annotations

THRESHOLD = 5
SUPPRESSED = f"< {THRESHOLD}"


def people(n: int, *, exact: bool) -> int | str:
    """A count of people as this reader may see it."""
    if exact or n == 0 or n >= THRESHOLD:
        return n
    return SUPPRESSED


def is_suppressed(value) -> bool:
    return value == SUPPRESSED
