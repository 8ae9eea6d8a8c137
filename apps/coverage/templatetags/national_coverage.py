"""The national coverage page's counts of people as its reader may read them (ADR 0033)."""

from __future__ import annotations

from django import template

from apps.coverage import national

register = template.Library()


@register.simple_tag
def read_by(coverage: national.NationalCoverage, user) -> national.ReadCoverage:
    """``{% read_by coverage request.user as read %}``: the rows and the total members through
    the figures' small-number rule (``national.read_by``)."""
    return national.read_by(coverage, user)
