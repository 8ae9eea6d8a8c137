"""What the meetings' messages say. Each function is called inside ``translation.override`` of
the recipient's language and returns the subject and the text."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .models import Meeting, Participant


def when(meeting: Meeting) -> str:
    """The start and end in the meeting's own time zone, in the active language."""
    tz = ZoneInfo(meeting.timezone_name)
    start = timezone.localtime(meeting.starts_at, tz)
    end = timezone.localtime(meeting.ends_at, tz)
    day = formats.date_format(start, "l j F Y")
    if start.date() == end.date():
        return _("%(day)s, %(start)s–%(end)s") % {"day": day, "start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}
    return f"{day}, {start:%H:%M} – {formats.date_format(end, 'l j F Y')}, {end:%H:%M}"


def site_url(path: str) -> str:
    return settings.BUURTWACHT_SITE_URL + path


def answer_link(participant: Participant, key: str | None) -> str:
    """Where the person answers: the desk for staff, their secret link for a resident."""
    if participant.user_id:
        return site_url(reverse("staff:meeting_detail", args=[participant.meeting_id]))
    return site_url(reverse("public:meeting_answer", args=[key])) if key else ""


def _facts(meeting: Meeting) -> list[str]:
    lines = [
        f"{meeting.title}",
        _("When: %(when)s") % {"when": when(meeting)},
        _("Where: %(place)s") % {"place": meeting.place},
    ]
    if meeting.description:
        lines += ["", meeting.description]
    return lines


def _greeting(participant: Participant) -> list[str]:
    return [_("Dear %(name)s,") % {"name": participant.display_name}, ""]


def _answer_state(participant: Participant) -> str:
    if participant.answer == Participant.Answer.WAITING:
        return _(
            "The room is full: you are on the waiting list for %(people)s. We will write to you as soon as a "
            "place becomes free."
        ) % {"people": participant.people}
    if participant.answer == Participant.Answer.YES:
        return _("Your answer: yes, for %(people)s.") % {"people": participant.people}
    if participant.answer == Participant.Answer.MAYBE:
        return _("Your answer: maybe, for %(people)s.") % {"people": participant.people}
    return _("Your answer: no.")


def invitation(participant: Participant, key: str | None) -> tuple[str, str]:
    meeting = participant.meeting
    subject = _("Invitation: %(title)s") % {"title": meeting.title}
    lines = _greeting(participant)
    lines += [
        _("%(municipality)s invites you to the following meeting.") % {"municipality": meeting.municipality.name},
        "",
        *_facts(meeting),
        "",
        _("Please let us know whether you will come: %(url)s") % {"url": answer_link(participant, key)},
    ]
    return subject, "\n".join(lines)


def answered(participant: Participant, key: str) -> tuple[str, str]:
    meeting = participant.meeting
    subject = _("Your answer: %(title)s") % {"title": meeting.title}
    lines = _greeting(participant)
    lines += [
        _("Thank you for your answer."),
        _answer_state(participant),
        "",
        *_facts(meeting),
        "",
        _("You can change your answer until the start with this link: %(url)s")
        % {"url": answer_link(participant, key)},
    ]
    return subject, "\n".join(lines)


def link_again(participant: Participant, key: str) -> tuple[str, str]:
    meeting = participant.meeting
    subject = _("Your answer: %(title)s") % {"title": meeting.title}
    lines = _greeting(participant)
    lines += [
        _("This e-mail address had already answered; nothing was changed."),
        _answer_state(participant),
        "",
        _("You can change your answer until the start with this link: %(url)s")
        % {"url": answer_link(participant, key)},
    ]
    return subject, "\n".join(lines)


def moved_up(participant: Participant, key: str | None) -> tuple[str, str]:
    meeting = participant.meeting
    subject = _("A place became free: %(title)s") % {"title": meeting.title}
    lines = _greeting(participant)
    lines += [
        _("A place became free: you were on the waiting list and are now expected, with %(people)s.")
        % {"people": participant.people},
        "",
        *_facts(meeting),
        "",
        _("Can you no longer come? Let us know, so that the next person on the list gets the place: %(url)s")
        % {"url": answer_link(participant, key)},
    ]
    return subject, "\n".join(lines)


def changed(participant: Participant, key: str | None) -> tuple[str, str]:
    meeting = participant.meeting
    subject = _("Changed: %(title)s") % {"title": meeting.title}
    lines = _greeting(participant)
    lines += [
        _("The time or the place of this meeting changed. This is the new time and place:"),
        "",
        *_facts(meeting),
        "",
        _answer_state(participant),
        _("Does this no longer suit you? Change your answer: %(url)s") % {"url": answer_link(participant, key)},
    ]
    return subject, "\n".join(lines)


def cancelled(participant: Participant) -> tuple[str, str]:
    meeting = participant.meeting
    subject = _("Cancelled: %(title)s") % {"title": meeting.title}
    lines = _greeting(participant)
    lines += [
        _("This meeting is cancelled:"),
        "",
        meeting.title,
        _("When: %(when)s") % {"when": when(meeting)},
        _("Where: %(place)s") % {"place": meeting.place},
    ]
    if meeting.cancel_reason:
        lines += ["", _("Reason: %(reason)s") % {"reason": meeting.cancel_reason}]
    lines += ["", _("We are sorry for the inconvenience.")]
    return subject, "\n".join(lines)


def reminder(participant: Participant, key: str | None) -> tuple[str, str]:
    meeting = participant.meeting
    subject = _("Reminder: %(title)s") % {"title": meeting.title}
    lines = _greeting(participant)
    lines += [
        _("A reminder: the meeting you answered takes place soon."),
        "",
        *_facts(meeting),
        "",
        _answer_state(participant),
        _("Can you no longer come? Let us know: %(url)s") % {"url": answer_link(participant, key)},
    ]
    return subject, "\n".join(lines)
