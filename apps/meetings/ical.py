"""iCalendar (RFC 5545) for meetings: one file per meeting and a feed per person.

The UID of a meeting never changes; its SEQUENCE goes up at each change of time or place and at
its cancellation, so a calendar that took the file in before replaces its copy. A cancelled
meeting's own file says ``METHOD:CANCEL`` (``STATUS:CANCELLED``); a feed has no METHOD (a
subscribed calendar is read, not answered) and shows a cancelled meeting as cancelled. Times are
written in the meeting's time zone (Europe/Brussels in Belgium, Europe/Amsterdam in the
Netherlands), with its VTIMEZONE.

icalendar is imported when a file is made, not with this module (which the views import): it
brings about a hundred modules and 3 MB of resident memory to every web process otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from .models import Meeting

if TYPE_CHECKING:
    from icalendar import Calendar, Event

PRODID = "-//Buurtwacht//Meetings//NL"


def uid_of(meeting: Meeting) -> str:
    host = urlsplit(settings.BUURTWACHT_SITE_URL).hostname or "buurtwacht"
    return f"meeting-{meeting.uid}@{host}"


def _url(meeting: Meeting) -> str:
    if meeting.is_public:
        path = reverse("public:meeting_detail", args=[meeting.municipality.slug, meeting.pk])
    else:
        path = reverse("staff:meeting_detail", args=[meeting.pk])
    return settings.BUURTWACHT_SITE_URL + path


def event_of(meeting: Meeting) -> Event:
    from icalendar import Event, vGeo

    tz = ZoneInfo(meeting.timezone_name)
    event = Event()
    event.add("uid", uid_of(meeting))
    event.add("dtstamp", timezone.now())
    event.add("created", meeting.created_at)
    event.add("last-modified", meeting.updated_at)
    event.add("sequence", meeting.sequence)
    event.add("dtstart", timezone.localtime(meeting.starts_at, tz))
    event.add("dtend", timezone.localtime(meeting.ends_at, tz))
    event.add("summary", meeting.title)
    event.add("location", meeting.place)
    if meeting.description:
        event.add("description", meeting.description)
    if meeting.lat is not None and meeting.lon is not None:
        event.add("geo", vGeo((meeting.lat, meeting.lon)))
    event.add("url", _url(meeting))
    event.add("status", "CANCELLED" if meeting.is_cancelled else "CONFIRMED")
    event.add(
        "organizer",
        f"mailto:{meeting.municipality.contact_email or 'noreply@' + uid_of(meeting).split('@')[1]}",
        parameters={"CN": meeting.municipality.name},
    )
    return event


def _calendar(name: str) -> Calendar:
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    return calendar


def meeting_calendar(meeting: Meeting) -> bytes:
    """The file of one meeting: PUBLISH while planned, CANCEL once cancelled."""
    calendar = _calendar(meeting.title)
    calendar.add("method", "CANCEL" if meeting.is_cancelled else "PUBLISH")
    calendar.add_component(event_of(meeting))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def feed_calendar(name: str, meetings: Iterable[Meeting]) -> bytes:
    calendar = _calendar(name)
    for meeting in meetings:
        calendar.add_component(event_of(meeting))
    calendar.add_missing_timezones()
    return calendar.to_ical()
