"""Template helpers of the staff desk."""

from django import template

from apps.staff.figures import Fill

register = template.Library()


@register.inclusion_tag("staff/_capacity.html")
def capacity_bar(current, capacity):
    """How full a group is, as text with a bar beside it (the bar alone would not reach screen readers)."""
    return {"fill": Fill(int(current or 0), int(capacity or 0))}
