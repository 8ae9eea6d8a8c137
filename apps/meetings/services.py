"""The one write path of meetings: plan and change them, invite, answer (staff on the desk,
residents through a secret link), the waiting list, attendance and minutes, the reminder the day
before, cancellation, and the personal calendar feed. Every write is audited; the messages it
causes are queued in the same transaction, in each recipient's language.

The waiting list: a "yes" for more people than the places left goes onto the waiting list, in the
order the answers came; a "yes" for more people than the room holds at all is refused. When places
become free (someone says no or maybe, answers for fewer people, or the organiser adds places)
the list moves up in its order: every party that fits in the places still free moves up, and one
that does not fit yet is skipped and keeps its place (it is first again when more places come
free); whoever moves up is told. So nobody on the list ever fits in the free places, and a new
"yes" that fits takes places that no one waiting could use (ADR 0032, addendum of 2026-12-07).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import PUBLIC, SYSTEM, account_of, is_person, require_actor
from apps.coverage.sub_municipalities import sub_municipality_cover
from apps.groups.languages import language_of
from apps.groups.models import Group, GroupAdmin
from apps.messaging.models import OutgoingMessage
from apps.messaging.services import Content, queue_email, queue_for_user
from apps.municipalities.models import Coordinator, Municipality, PoliceOfficer, SubMunicipality

from . import texts
from .models import MAX_CAPACITY, MAX_PEOPLE, CalendarFeed, Meeting, Participant, ParticipantKey, hash_key
from .permissions import require_meeting, require_organiser_of

# A meeting lasts at most this long (a typing error in a date otherwise makes it last a month).
MAX_DURATION = dt.timedelta(hours=24)
# The reminder goes out this long before the start.
REMINDER_BEFORE = dt.timedelta(hours=24)
MAX_MINUTES_LENGTH = 50_000
# Who answered and must hear of a change or a cancellation.
TOLD = (Participant.Answer.YES, Participant.Answer.MAYBE, Participant.Answer.WAITING)
ROLES = ("admins", "police", "coordinators")


# ---------------------------------------------------------------------------------------- checks


def _meeting_errors(data: dict, *, now: dt.datetime, taken: int = 0) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if data.get("kind") not in Meeting.Kind.values:
        add("kind", _("Choose the kind of meeting."))
    if not (data.get("title") or "").strip():
        add("title", _("Enter a title."))
    if not (data.get("place") or "").strip():
        add("place", _("Enter the address where the meeting takes place."))
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if starts is None:
        add("starts_at", _("Enter the day and time the meeting starts."))
    elif starts <= now:
        add("starts_at", _("The start lies in the past: choose a day and time still to come."))
    if ends is None:
        add("ends_at", _("Enter the day and time the meeting ends."))
    elif starts is not None and ends <= starts:
        add("ends_at", _("The end must come after the start."))
    elif starts is not None and ends - starts > MAX_DURATION:
        add("ends_at", _("A meeting lasts at most 24 hours: check the end."))
    capacity = data.get("capacity")
    if capacity is not None:
        if not 1 <= capacity <= MAX_CAPACITY:
            add(
                "capacity",
                _("Enter between 1 and %(max)s places, or leave it empty for no limit.") % {"max": MAX_CAPACITY},
            )
        elif capacity < taken:
            add(
                "capacity",
                _("%(taken)s people have already said yes: enter at least %(taken)s places.") % {"taken": taken},
            )
    lat, lon = data.get("lat"), data.get("lon")
    if (lat is None) != (lon is None):
        add("lat", _("Give both the latitude and the longitude of the place, or neither."))
    elif lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        add("lat", _("This point does not lie on the map."))
    return errors


def _check_open(meeting: Meeting) -> None:
    if meeting.is_cancelled:
        raise ValidationError(_("This meeting is cancelled."), code="cancelled")
    if meeting.has_started:
        raise ValidationError(_("This meeting has started: it can no longer be changed."), code="started")


def _check_answer(answer: str, people) -> None:
    errors = {}
    if answer not in (Participant.Answer.YES, Participant.Answer.MAYBE, Participant.Answer.NO):
        errors["answer"] = [_("Choose yes, maybe or no.")]
    if isinstance(people, bool) or not isinstance(people, int) or not 1 <= people <= MAX_PEOPLE:
        errors["people"] = [_("Enter a number of people from 1 to %(max)s.") % {"max": MAX_PEOPLE}]
    if errors:
        raise ValidationError(errors)


# ----------------------------------------------------------------------------------- the places


def taken(meeting: Meeting) -> int:
    """How many people have a place (answered yes)."""
    return meeting.participants.filter(answer=Participant.Answer.YES).aggregate(total=Sum("people"))["total"] or 0


def free_places(meeting: Meeting) -> int | None:
    if meeting.capacity is None:
        return None
    return max(meeting.capacity - taken(meeting), 0)


@dataclass(frozen=True)
class Counts:
    yes: int
    maybe: int
    no: int
    waiting: int
    invited: int
    people_yes: int
    people_maybe: int
    people_waiting: int


def counts(meeting: Meeting) -> Counts:
    found = dict.fromkeys(Participant.Answer.values, (0, 0))
    for row in meeting.participants.order_by().values("answer").annotate(n=Count("pk"), people=Sum("people")):
        found[row["answer"]] = (row["n"], row["people"] or 0)
    return Counts(
        yes=found["yes"][0],
        maybe=found["maybe"][0],
        no=found["no"][0],
        waiting=found["waiting"][0],
        invited=found["invited"][0],
        people_yes=found["yes"][1],
        people_maybe=found["maybe"][1],
        people_waiting=found["waiting"][1],
    )


def _lock(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update().select_related("municipality").get(pk=meeting.pk)


def _check_room(meeting: Meeting, answer: str, people: int) -> None:
    """A "yes" for more people than the room holds at all could never get places: refused, so that
    it neither waits in vain nor stands in the others' way."""
    capacity = meeting.capacity
    if answer == Participant.Answer.YES and capacity is not None and people > capacity:
        message = ngettext(
            "The room holds %(capacity)s person in all: a yes for %(people)s people cannot be accepted. "
            "Answer for at most %(capacity)s person.",
            "The room holds %(capacity)s people in all: a yes for %(people)s people cannot be accepted. "
            "Answer for at most %(capacity)s people.",
            capacity,
        ) % {"capacity": capacity, "people": people}
        raise ValidationError({"people": [ValidationError(message, code="larger_than_the_room")]})


def _waiting_list(meeting: Meeting):
    return meeting.participants.filter(answer=Participant.Answer.WAITING).order_by("waiting_since", "pk")


def _line_up(free: int | None, waiting) -> tuple[list[Participant], list[Participant], int | None]:
    """The waiting list moving up into ``free`` places (None: no limit), in its order: every party
    that fits in the places still free moves up; one that does not fit (yet) is skipped and keeps
    its place. Returns who moves up, who stays, and the places then still free."""
    moving, staying = [], []
    for participant in waiting:
        if free is None or participant.people <= free:
            moving.append(participant)
            if free is not None:
                free -= participant.people
        else:
            staying.append(participant)
    return moving, staying, free


def _promote(meeting: Meeting, actor) -> list[Participant]:
    """Move the waiting list up (``_line_up``) in the transaction that holds the meeting's lock
    (``_lock``); tell each who moved up."""
    if meeting.is_cancelled or meeting.has_started:
        return []
    moving, _staying, _free = _line_up(free_places(meeting), _waiting_list(meeting))
    for participant in moving:
        participant.answer = Participant.Answer.YES
        participant.waiting_since = None
        participant.save(update_fields=["answer", "waiting_since"])
        participant.meeting = meeting
        _tell(participant, "moved_up", texts.moved_up, key_suffix=str(timezone.now().timestamp()))
        record(
            actor, AuditEvent.Action.MEETING_MOVED_UP, meeting, participant=participant.pk, people=participant.people
        )
    return moving


@dataclass(frozen=True)
class Places:
    """The places as a new answer meets them, for the public page and the desk alike."""

    capacity: int | None
    free: int | None  # the places a new "yes" gets now; None: no limit
    waiting: int  # answers that stay on the waiting list
    people_waiting: int
    larger_than_the_room: int  # of those, answers for more people than the room holds (stored before 2026-12-07)

    @property
    def full(self) -> bool:
        return self.free == 0


def places(meeting: Meeting) -> Places:
    """The places left and who waits, once the waiting list moved up as the next answer moves it:
    a new "yes" for at most ``free`` people gets places, a larger one goes onto the list. (The list
    has always moved up already, save for answers stored before 2026-12-07, when the first in line
    could block it; the next answer or the quarter-hourly job moves those.)"""
    waiting = list(_waiting_list(meeting).only("pk", "people"))
    free = free_places(meeting)
    if not (meeting.is_cancelled or meeting.has_started):
        _moving, waiting, free = _line_up(free, waiting)
    capacity = meeting.capacity
    return Places(
        capacity=capacity,
        free=free,
        waiting=len(waiting),
        people_waiting=sum(p.people for p in waiting),
        larger_than_the_room=sum(1 for p in waiting if capacity is not None and p.people > capacity),
    )


# -------------------------------------------------------------------------------------- messages


def _language(participant: Participant) -> str:
    if participant.user_id:
        return language_of(participant.user)
    return participant.language or participant.meeting.municipality.language or settings.LANGUAGE_CODE


def _tell(participant: Participant, what: str, build, *, key_suffix: str = "", with_key: bool = True):
    """Queue one message to the participant in their language: staff on their best channel (green),
    residents by e-mail with a new secret link to their answer."""
    meeting = participant.meeting
    language = _language(participant)
    key = None
    if participant.is_resident and with_key:
        key = ParticipantKey.issue(participant)
    with translation.override(language):
        subject, body = build(participant, key) if with_key else build(participant)
    dedupe = f"meeting:{meeting.pk}:{what}:{participant.pk}" + (f":{key_suffix}" if key_suffix else "")
    topic = f"meeting.{what}"
    if participant.user_id:
        return queue_for_user(
            participant.user,
            Content(subject=subject, body=body, sms=subject, language=language),
            urgency=OutgoingMessage.Urgency.GREEN,
            topic=topic,
            dedupe_key=dedupe,
            municipality_id=meeting.municipality_id,
        )
    return queue_email(
        to=participant.email,
        subject=subject,
        body=body,
        topic=topic,
        dedupe_key=dedupe,
        municipality_id=meeting.municipality_id,
        language=language,
    )


# ---------------------------------------------------------------------------- plan and change


_CHANGE_TELLS = ("starts_at", "ends_at", "place", "lat", "lon")
_FIELDS = ("kind", "title", "place", "lat", "lon", "starts_at", "ends_at", "description", "capacity")


def save_meeting(*, actor, municipality: Municipality, data: dict, meeting: Meeting | None = None) -> Meeting:
    """Plan a meeting, or change a planned one that has not started. A new time or place raises the
    iCalendar SEQUENCE and is told to everyone who answered yes, maybe or waits."""
    require_organiser_of(actor, municipality)
    now = timezone.now()
    with transaction.atomic():
        if meeting is None:
            errors = _meeting_errors(data, now=now)
            if errors:
                raise ValidationError(errors)
            meeting = Meeting(municipality=municipality, organiser=account_of(actor))
            for name in _FIELDS:
                setattr(meeting, name, data.get(name))
            meeting.title, meeting.place = meeting.title.strip(), meeting.place.strip()
            meeting.description = (meeting.description or "").strip()
            meeting.save()
            record(actor, AuditEvent.Action.MEETING_CREATED, meeting, kind=meeting.kind, capacity=meeting.capacity)
            return meeting
        require_meeting(actor, meeting)
        if meeting.municipality_id != municipality.pk:
            raise PermissionDenied
        meeting = _lock(meeting)
        _check_open(meeting)
        check = dict(data)
        if check.get("starts_at") == meeting.starts_at:
            # An unchanged start of a meeting planned long ago is no start in the past.
            check["starts_at"] = max(meeting.starts_at, now + dt.timedelta(seconds=1))
        errors = _meeting_errors(check, now=now, taken=taken(meeting))
        if errors:
            raise ValidationError(errors)
        changed = [n for n in _FIELDS if getattr(meeting, n) != data.get(n)]
        if not changed:
            return meeting
        capacity_before = meeting.capacity
        for name in changed:
            setattr(meeting, name, data.get(name))
        meeting.title, meeting.place = meeting.title.strip(), meeting.place.strip()
        tells = any(n in _CHANGE_TELLS for n in changed)
        if tells:
            meeting.sequence += 1
        meeting.updated_at = now
        meeting.save()
        record(actor, AuditEvent.Action.MEETING_UPDATED, meeting, fields=changed, sequence=meeting.sequence)
        if tells:
            for participant in meeting.participants.filter(answer__in=TOLD).select_related("user"):
                participant.meeting = meeting
                _tell(participant, "changed", texts.changed, key_suffix=str(meeting.sequence))
        if capacity_before is not None and (meeting.capacity is None or meeting.capacity > capacity_before):
            _promote(meeting, actor)
        return meeting


def cancel_meeting(*, actor, meeting: Meeting, reason: str = "") -> Meeting:
    """Cancel a planned meeting before its start; everyone who answered yes, maybe or waits is told."""
    require_meeting(actor, meeting)
    reason = (reason or "").strip()
    if len(reason) > 300:
        raise ValidationError({"reason": [_("Keep the reason under 300 characters.")]})
    with transaction.atomic():
        meeting = _lock(meeting)
        _check_open(meeting)
        meeting.state = Meeting.State.CANCELLED
        meeting.cancel_reason = reason
        meeting.sequence += 1
        meeting.updated_at = timezone.now()
        meeting.save(update_fields=["state", "cancel_reason", "sequence", "updated_at"])
        told = 0
        for participant in meeting.participants.filter(answer__in=TOLD).select_related("user"):
            participant.meeting = meeting
            if _tell(participant, "cancelled", texts.cancelled, with_key=False) is not None:
                told += 1
        record(actor, AuditEvent.Action.MEETING_CANCELLED, meeting, told=told)
        return meeting


# ----------------------------------------------------------------------------------- invitations


def invitees(meeting: Meeting, *, roles=(), groups=(), sub_municipalities=()) -> dict[int, tuple]:
    """The staff accounts the choice reaches: {user id: (user, why)}. Groups and sub-municipalities
    must be the meeting's municipality's."""
    municipality = meeting.municipality
    found: dict[int, tuple] = {}

    def add(user, why: str) -> None:
        if user.is_active and user.pk not in found:
            found[user.pk] = (user, why)

    admins = GroupAdmin.objects.filter(group__municipality=municipality).exclude(group__status=Group.Status.CLOSED)
    if "admins" in roles:
        for row in admins.select_related("user", "group"):
            add(row.user, row.get_role_display())
    if "coordinators" in roles:
        for row in Coordinator.objects.filter(municipality=municipality).select_related("user"):
            add(row.user, _("coordinator"))
    if "police" in roles:
        for row in PoliceOfficer.objects.filter(zone__municipalities=municipality).select_related("user", "zone"):
            add(row.user, row.zone.name)
    group_ids = {g.pk for g in groups}
    if group_ids:
        for row in admins.filter(group_id__in=group_ids).select_related("user", "group"):
            add(row.user, row.group.name)
    sub_ids = {s.pk for s in sub_municipalities}
    if sub_ids:
        in_subs = {}
        for cover in sub_municipality_cover(municipality):
            if cover.sub_municipality.pk in sub_ids:
                for group_id in cover.group_ids:
                    in_subs.setdefault(group_id, cover.name)
        for row in admins.filter(group_id__in=in_subs).select_related("user", "group"):
            add(row.user, in_subs[row.group_id])
    return found


def invite(*, actor, meeting: Meeting, roles=(), groups=(), sub_municipalities=()) -> int:
    """Invite staff by role, by group and by sub-municipality; each gets the invitation once, in
    their language. Returns how many were newly invited; a choice that reaches no one new is
    refused."""
    require_meeting(actor, meeting)
    roles, groups, sub_municipalities = list(roles), list(groups), list(sub_municipalities)
    if any(r not in ROLES for r in roles):
        raise ValidationError({"roles": [_("Choose among the roles offered.")]})
    if any(g.municipality_id != meeting.municipality_id for g in groups) or any(
        s.municipality_id != meeting.municipality_id for s in sub_municipalities
    ):
        raise PermissionDenied
    if not (roles or groups or sub_municipalities):
        raise ValidationError(_("Choose whom to invite: a role, a group or a sub-municipality."), code="empty")
    with transaction.atomic():
        meeting = _lock(meeting)
        _check_open(meeting)
        found = invitees(meeting, roles=roles, groups=groups, sub_municipalities=sub_municipalities)
        already = set(meeting.participants.filter(user_id__in=found).values_list("user_id", flat=True))
        new = 0
        for user_id, (user, why) in found.items():
            if user_id in already:
                continue
            participant = Participant.objects.create(meeting=meeting, user=user, invited_as=str(why)[:200])
            participant.meeting = meeting
            _tell(participant, "invitation", texts.invitation)
            new += 1
        if new == 0:
            raise ValidationError(
                _("Everyone you chose was invited already, or your choice reaches no one."), code="nobody_new"
            )
        record(
            actor,
            AuditEvent.Action.MEETING_INVITED,
            meeting,
            roles=roles,
            groups=[g.pk for g in groups],
            sub_municipalities=[s.pk for s in sub_municipalities],
            invited=new,
        )
        return new


# --------------------------------------------------------------------------------------- answers


@dataclass(frozen=True)
class Answered:
    participant: Participant
    key: str | None  # the secret link's key of a new resident answer
    created: bool
    already: bool = False  # this e-mail address had answered already: a new link was sent


def _place_answer(meeting: Meeting, participant: Participant, answer: str, people: int, old: str, old_people: int):
    """Set the answer, a "yes" going onto the waiting list when it does not fit. The list has moved
    up first (``_promote``), so whoever waits needs more places than are free: a "yes" that fits
    takes none that anyone waiting could use."""
    now = timezone.now()
    if answer != Participant.Answer.YES:
        participant.answer, participant.people, participant.waiting_since = answer, people, None
        return
    if old == Participant.Answer.YES:
        free = free_places(meeting)
        if free is not None and people - old_people > free:
            raise ValidationError(
                {
                    "people": [
                        _("Only %(free)s more places are left: your answer for %(old)s people stays as it was.")
                        % {"free": free, "old": old_people}
                    ]
                }
            )
        participant.people = people
        return
    if old == Participant.Answer.WAITING:
        participant.people = people  # keeps its place in the line
        return
    free = free_places(meeting)
    if free is None or people <= free:
        participant.answer, participant.people, participant.waiting_since = Participant.Answer.YES, people, None
    else:
        participant.answer, participant.people, participant.waiting_since = Participant.Answer.WAITING, people, now


def answer_public(*, meeting: Meeting, name: str, email: str, answer: str, people, language: str = "") -> Answered:
    """A resident answers an information evening on its public page, without an account. The
    answer's secret link goes to them by e-mail. The same e-mail address twice makes no second
    answer: the first stays, and a new link to it is sent."""
    name, email = (name or "").strip(), (email or "").strip().lower()
    errors = {}
    if not name:
        errors["name"] = [_("Enter your name.")]
    if not email:
        errors["email"] = [_("Enter your e-mail address.")]
    if errors:
        raise ValidationError(errors)
    _check_answer(answer, people)
    language = (language or translation.get_language() or meeting.municipality.language)[:5]
    with transaction.atomic():
        meeting = _lock(meeting)
        if not meeting.is_public:
            raise PermissionDenied
        if meeting.is_cancelled:
            raise ValidationError(_("This meeting is cancelled."), code="cancelled")
        if meeting.has_started:
            raise ValidationError(_("This meeting has started: answers are closed."), code="started")
        _check_room(meeting, answer, people)
        existing = meeting.participants.filter(user__isnull=True, email__iexact=email).first()
        if existing is not None:
            existing.meeting = meeting
            if existing.answer == answer and existing.people == people:
                # The same form sent twice (a double click, a reload): nothing changes.
                return Answered(existing, None, created=False)
            # Someone else may have typed this address: the answer changes only through its link.
            bucket = timezone.now().strftime("%Y%m%d%H%M")
            _tell(existing, "link_again", texts.link_again, key_suffix=bucket)
            record(PUBLIC, AuditEvent.Action.MEETING_LINK_RESENT, meeting, participant=existing.pk)
            return Answered(existing, None, created=False, already=True)
        _promote(meeting, PUBLIC)  # a list stored before 2026-12-07 may not have moved up yet
        participant = Participant(meeting=meeting, name=name[:120], email=email, language=language)
        _place_answer(meeting, participant, answer, people, Participant.Answer.INVITED, 0)
        participant.answered_at = timezone.now()
        participant.save()
        key = ParticipantKey.issue(participant)
        with translation.override(language):
            subject, body = texts.answered(participant, key)
        queue_email(
            to=email,
            subject=subject,
            body=body,
            topic="meeting.answered",
            dedupe_key=f"meeting:{meeting.pk}:answered:{participant.pk}",
            municipality_id=meeting.municipality_id,
            language=language,
        )
        record(
            PUBLIC,
            AuditEvent.Action.MEETING_ANSWERED,
            meeting,
            participant=participant.pk,
            answer=participant.answer,
            people=participant.people,
        )
        return Answered(participant, key, created=True)


def change_answer(*, actor, participant: Participant, answer: str, people) -> Participant:
    """Change an answer until the start: a resident through their link (``PUBLIC``), a staff member
    for themselves on the desk. Places freed go to the waiting list, in its order, to every party
    that fits (``_promote``). A waiting answer keeps its place when its number of people changes."""
    require_actor(actor)
    if actor is SYSTEM:
        raise PermissionDenied
    if is_person(actor):
        if participant.user_id != actor.pk:
            raise PermissionDenied
    elif actor is not PUBLIC or not participant.is_resident:
        raise PermissionDenied
    _check_answer(answer, people)
    with transaction.atomic():
        meeting = _lock(participant.meeting)
        if meeting.is_cancelled:
            raise ValidationError(_("This meeting is cancelled."), code="cancelled")
        if meeting.has_started:
            raise ValidationError(_("This meeting has started: answers can no longer be changed."), code="started")
        _check_room(meeting, answer, people)
        _promote(meeting, actor)  # a list stored before 2026-12-07 may not have moved up yet
        participant = Participant.objects.select_for_update().get(pk=participant.pk)
        participant.meeting = meeting
        old, old_people = participant.answer, participant.people
        if old == answer and old_people == people:
            return participant
        _place_answer(meeting, participant, answer, people, old, old_people)
        participant.answered_at = timezone.now()
        participant.save()
        record(
            actor,
            AuditEvent.Action.MEETING_ANSWER_CHANGED,
            meeting,
            participant=participant.pk,
            answer=participant.answer,
            people=participant.people,
            before=old,
        )
        _promote(meeting, actor)
        participant.refresh_from_db()
        return participant


def find_by_key(key: str) -> Participant | None:
    """The resident's answer a secret link opens; None for a wrong one."""
    if not key or len(key) > 100:
        return None
    found = ParticipantKey.objects.filter(key_hash=hash_key(key)).select_related("participant__meeting__municipality")
    row = found.first()
    return row.participant if row else None


# ----------------------------------------------------------------------------- after the meeting


def record_attendance(*, actor, meeting: Meeting, count, present: list[int]) -> Meeting:
    """How many came, and which of the invited and answering people: after the start only."""
    require_meeting(actor, meeting)
    if count is not None and not (isinstance(count, int) and 0 <= count <= MAX_CAPACITY):
        raise ValidationError({"attendance_count": [_("Enter a number from 0 to %(max)s.") % {"max": MAX_CAPACITY}]})
    with transaction.atomic():
        meeting = _lock(meeting)
        if not meeting.has_started:
            raise ValidationError(_("Attendance is kept once the meeting has started."), code="not_started")
        ids = set(meeting.participants.values_list("pk", flat=True))
        chosen = {int(p) for p in present}
        if not chosen <= ids:
            raise PermissionDenied
        meeting.participants.update(attended=False)
        meeting.participants.filter(pk__in=chosen).update(attended=True)
        if count is None and chosen:
            count = sum(meeting.participants.filter(pk__in=chosen).values_list("people", flat=True))
        meeting.attendance_count = count
        meeting.updated_at = timezone.now()
        meeting.save(update_fields=["attendance_count", "updated_at"])
        record(actor, AuditEvent.Action.MEETING_ATTENDANCE, meeting, count=count, ticked=len(chosen))
        return meeting


PDF = ("pdf", "application/pdf")


def _checked_minutes_file(upload) -> tuple[bytes, str, str]:
    """A PDF, or a photo (cleaned of its metadata as incidents' photos are), within the upload
    limit of photos."""
    from apps.incidents.attachments import HEAD, check

    size = getattr(upload, "size", None) or 0
    limit = settings.BUURTWACHT_MAX_IMAGE
    if not size:
        raise ValidationError({"minutes_file": [_("The file is empty.")]})
    if size > limit:
        raise ValidationError(
            {"minutes_file": [_("The file is too large (at most %(limit)s MB).") % {"limit": limit // (1024 * 1024)}]}
        )
    upload.seek(0)
    head = upload.read(HEAD)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        data = upload.read(limit + 1)
        if len(data) > limit:
            raise ValidationError({"minutes_file": [_("The file is larger than it said it was.")]})
        return data, *PDF
    try:
        checked = check(upload)
    except ValidationError as exc:
        raise ValidationError({"minutes_file": exc.message_dict.get("file", exc.messages)}) from exc
    if checked.kind.kind != "image":
        raise ValidationError({"minutes_file": [_("Only a PDF or a photo (JPEG, PNG, WebP) can go with the minutes.")]})
    return checked.data, checked.kind.ext, checked.kind.mime


def save_minutes(*, actor, meeting: Meeting, text: str, upload=None) -> Meeting:
    """The minutes, after the start: a text and, if given, a file (PDF or photo)."""
    require_meeting(actor, meeting)
    text = (text or "").strip()
    if len(text) > MAX_MINUTES_LENGTH:
        raise ValidationError(
            {"minutes": [_("Keep the minutes under %(max)s characters.") % {"max": MAX_MINUTES_LENGTH}]}
        )
    if not text and upload is None:
        raise ValidationError({"minutes": [_("Write the minutes, or add a file with them.")]})
    checked = _checked_minutes_file(upload) if upload is not None else None
    with transaction.atomic():
        meeting = _lock(meeting)
        if not meeting.has_started:
            raise ValidationError(_("Minutes are kept once the meeting has started."), code="not_started")
        meeting.minutes = text
        fields = ["minutes", "updated_at"]
        if checked is not None:
            data, ext, mime = checked
            meeting.minutes_file.save(f"{secrets.token_hex(16)}.{ext}", ContentFile(data), save=False)
            meeting.minutes_content_type = mime
            fields += ["minutes_file", "minutes_content_type"]
        meeting.updated_at = timezone.now()
        meeting.save(update_fields=fields)
        record(actor, AuditEvent.Action.MEETING_MINUTES_SAVED, meeting, length=len(text), file=checked is not None)
        return meeting


# --------------------------------------------------------------------------------------- reminder


def send_reminders(now: dt.datetime | None = None) -> int:
    """The reminder the day before, to everyone who answered yes or maybe: each meeting once
    (``reminder_sent_at``, and a dedupe key per person). Returns how many messages were queued."""
    now = now or timezone.now()
    due = Meeting.objects.filter(
        state=Meeting.State.PLANNED,
        reminder_sent_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + REMINDER_BEFORE,
    ).values_list("pk", flat=True)
    queued = 0
    for pk in list(due):
        with transaction.atomic():
            meeting = Meeting.objects.select_for_update().select_related("municipality").get(pk=pk)
            if meeting.reminder_sent_at is not None or meeting.is_cancelled:
                continue
            meeting.reminder_sent_at = now
            meeting.save(update_fields=["reminder_sent_at"])
            sent = 0
            answers = (Participant.Answer.YES, Participant.Answer.MAYBE)
            for participant in meeting.participants.filter(answer__in=answers).select_related("user"):
                participant.meeting = meeting
                if _tell(participant, "reminder", texts.reminder) is not None:
                    sent += 1
            record(SYSTEM, AuditEvent.Action.MEETING_REMINDED, meeting, sent=sent)
            queued += sent
    return queued


# ----------------------------------------------------------------------------- residents' data


def forget_residents(now: dt.datetime | None = None) -> int:
    """Residents' names and e-mail addresses are kept for their meeting only: once it ended more
    than the municipality's period for applications ago (``retention_applications_days``), they
    are emptied and their links stop working. What they answered, for how many, and whether they
    came stay, as counts. Returns how many answers were emptied."""
    now = now or timezone.now()
    emptied = 0
    ended = Meeting.objects.filter(ends_at__lt=now, participants__user__isnull=True, participants__email__gt="")
    for meeting in ended.select_related("municipality").distinct():
        if meeting.ends_at + dt.timedelta(days=meeting.municipality.retention_applications_days) > now:
            continue
        with transaction.atomic():
            residents = meeting.participants.filter(user__isnull=True).exclude(email="")
            ParticipantKey.objects.filter(participant__in=residents).delete()
            count = residents.update(name="", email="")
            record(SYSTEM, AuditEvent.Action.MEETING_RESIDENTS_FORGOTTEN, meeting, answers=count)
            emptied += count
    return emptied


def move_up_waiting_lists(now: dt.datetime | None = None) -> int:
    """Waiting lists that can move up but did not: lists stored before 2026-12-07, when a party
    that did not fit blocked everyone behind it, until someone answers again. Each moves up in a
    transaction of its own, under the meeting's lock, and whoever moves up is told. Returns how
    many answers moved up."""
    now = now or timezone.now()
    pending = Meeting.objects.filter(
        state=Meeting.State.PLANNED, starts_at__gt=now, participants__answer=Participant.Answer.WAITING
    )
    moved = 0
    for meeting in pending.distinct().select_related("municipality"):
        if not _line_up(free_places(meeting), _waiting_list(meeting).only("pk", "people"))[0]:
            continue  # nothing to move: no write, no lock
        with transaction.atomic():
            moved += len(_promote(_lock(meeting), SYSTEM))
    return moved


def background(now: dt.datetime | None = None) -> int:
    """The meetings' periodic job: waiting lists that can move up, the reminders due, then the
    residents' data past its period."""
    return move_up_waiting_lists(now) + send_reminders(now) + forget_residents(now)


# ------------------------------------------------------------------------------------ the feeds


def create_feed(*, actor) -> str:
    """A new secret address of the staff member's calendar feed (the old one stops working).
    Returns the key, shown once."""
    require_actor(actor)
    if not is_person(actor):
        raise PermissionDenied
    key = secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.update_or_create(
            user=actor, defaults={"key_hash": hash_key(key), "created_at": timezone.now()}
        )
        record(actor, AuditEvent.Action.MEETING_FEED_CREATED, actor)
    return key


def find_feed(key: str) -> CalendarFeed | None:
    if not key or len(key) > 100:
        return None
    return CalendarFeed.objects.filter(key_hash=hash_key(key), user__is_active=True).select_related("user").first()


def feed_meetings_for_user(user):
    """The meetings the staff member is invited to or answered (not "no")."""
    own = Participant.objects.filter(user=user).exclude(answer=Participant.Answer.NO).values("meeting_id")
    return Meeting.objects.filter(pk__in=own).select_related("municipality")


def feed_meetings_for_resident(participant: Participant):
    """The meetings a resident answered with this e-mail address (not "no")."""
    if not participant.email:
        return Meeting.objects.none()
    own = (
        Participant.objects.filter(user__isnull=True, email__iexact=participant.email)
        .exclude(answer=Participant.Answer.NO)
        .values("meeting_id")
    )
    return Meeting.objects.filter(pk__in=own).select_related("municipality")


def sub_municipalities_of(municipality: Municipality):
    return SubMunicipality.objects.filter(municipality=municipality).order_by("name")
