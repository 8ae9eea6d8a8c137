"""Small-number suppression, the one rule every page, download and API answer of the figures
follows: a count of people below ``THRESHOLD`` (members, applicants, who joined or left in a
month) is shown as "< 5" to everyone who may not see the members themselves: the police and the
public. The municipality's coordinators (and operators) see the exact number.

Zero is shown as 0 to everyone: it names nobody, and "< 5" for an empty group would hide that
the group has no members at all, which the police need to know."""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import ngettext

# The rule itself lives one layer down, where the national coverage page can use it too.
from apps.coverage.small_numbers import SUPPRESSED, THRESHOLD, people

__all__ = ["SUPPRESSED", "THRESHOLD", "is_suppressed", "members_text", "people"]


def is_suppressed(value) -> bool:
    return value == SUPPRESSED


def members_text(n: int, *, exact: bool) -> str:
    """ "7 members", or "< 5 members" for a reader who may not see small counts: a group's
    member count in a sentence, as the figures' summary writes it."""
    shown = people(n, exact=exact)
    if is_suppressed(shown):
        count, plural = shown, 2  # "< 5" reads as a plural
    else:
        count, plural = number_format(shown, force_grouping=True), shown
    return ngettext("%(count)s member", "%(count)s members", plural) % {"count": count}
