"""``{% upcoming_information_evenings %}``: the coming information evenings beside the map, and
a municipality's on its groups' pages. ``{% meeting_places meeting as places %}``: the places
left and who waits, as the next answer meets them, for the public page and the desk alike."""

from django import template
from django.utils import timezone

from apps.meetings.models import Meeting

register = template.Library()


@register.inclusion_tag("public/meetings/_upcoming.html")
def upcoming_information_evenings(municipality=None, limit: int = 5) -> dict:
    """Every municipality's (on the map page), or one municipality's (on its groups' pages)."""
    meetings = Meeting.objects.filter(kind=Meeting.Kind.INFORMATION_EVENING, ends_at__gte=timezone.now())
    if municipality is not None:
        meetings = meetings.filter(municipality=municipality)
    return {"meetings": list(meetings.select_related("municipality").order_by("starts_at")[:limit])}


@register.simple_tag
def meeting_places(meeting: Meeting):
    """``services.places``: one reckoning for both pages, so they say the same."""
    from apps.meetings.services import places

    return places(meeting)
