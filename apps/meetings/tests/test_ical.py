"""The calendar files and feeds parse back with icalendar: a stable UID, SEQUENCE up at each
change, METHOD:CANCEL once cancelled, the meeting's own time zone."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from apps.meetings import ical, services

from .helpers import meeting_data, plan

pytestmark = pytest.mark.django_db


def events(data: bytes):
    calendar = Calendar.from_ical(data)
    return calendar, list(calendar.walk("VEVENT"))


def test_the_file_parses_with_a_stable_uid_and_the_sequence_rises(world):
    meeting = plan(world.testdorp)
    calendar, [event] = events(ical.meeting_calendar(meeting))
    assert calendar["METHOD"] == "PUBLISH"
    assert event["SUMMARY"] == meeting.title
    assert event["LOCATION"] == meeting.place
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == meeting.starts_at
    assert str(event["DTSTART"].params["TZID"]) == "Europe/Brussels"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Brussels"]
    uid = str(event["UID"])
    later = meeting_data(
        starts_at=meeting.starts_at + dt.timedelta(days=1), ends_at=meeting.ends_at + dt.timedelta(days=1)
    )
    meeting = services.save_meeting(actor=world.coordinator, municipality=world.testdorp, data=later, meeting=meeting)
    _calendar, [event] = events(ical.meeting_calendar(meeting))
    assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == 1
    cancelled = services.cancel_meeting(actor=world.coordinator, meeting=meeting)
    calendar, [event] = events(ical.meeting_calendar(cancelled))
    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED" and int(event["SEQUENCE"]) == 2 and str(event["UID"]) == uid


def test_a_dutch_meeting_is_in_amsterdam_time(world):
    meeting = plan(world.grensstad)
    calendar, [event] = events(ical.meeting_calendar(meeting))
    assert str(event["DTSTART"].params["TZID"]) == "Europe/Amsterdam"
    assert event.decoded("DTEND") == meeting.ends_at


def test_a_staff_feed_lists_the_invitations_but_not_a_no(world):
    first = plan(world.testdorp, kind="admins_meeting", title="Overleg voorjaar")
    second = plan(world.testdorp, kind="admins_meeting", title="Overleg najaar")
    plan(world.testdorp, title="Niet uitgenodigd")
    for meeting in (first, second):
        services.invite(actor=world.coordinator, meeting=meeting, roles=["admins"])
    own = second.participants.get(user=world.admin_a)
    services.change_answer(actor=world.admin_a, participant=own, answer="no", people=1)
    key = services.create_feed(actor=world.admin_a)
    feed = services.find_feed(key)
    _calendar, found = events(ical.feed_calendar("feed", services.feed_meetings_for_user(feed.user)))
    assert [str(e["SUMMARY"]) for e in found] == ["Overleg voorjaar"]
    # A new address replaces the old one.
    services.create_feed(actor=world.admin_a)
    assert services.find_feed(key) is None
