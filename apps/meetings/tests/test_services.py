"""Meetings through their services: bad input refused and nothing changed, the waiting list in
order, invitations by role, group and sub-municipality, messages in each person's language, the
reminder sent once, and other people refused."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.actors import PUBLIC, SYSTEM
from apps.meetings import services
from apps.meetings.models import Meeting, Participant, ParticipantKey
from apps.messaging.models import OutgoingMessage
from apps.municipalities.models import SubMunicipality

from .helpers import meeting_data, plan

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        list(Meeting.objects.order_by("pk").values()),
        list(Participant.objects.order_by("pk").values()),
        OutgoingMessage.objects.count(),
        AuditEvent.objects.filter(action__startswith="meeting.").count(),
    )


def answer(meeting, n, answer="yes", people=1, language="fr"):
    return services.answer_public(
        meeting=meeting,
        name=f"Bewoner {n}",
        email=f"bewoner{n}@example.org",
        answer=answer,
        people=people,
        language=language,
    )


# ------------------------------------------------------------------------------- planning


def test_the_coordinator_plans_an_evening_audited(world):
    meeting = services.save_meeting(actor=world.coordinator, municipality=world.testdorp, data=meeting_data())
    assert meeting.organiser == world.coordinator
    assert meeting.state == Meeting.State.PLANNED
    event = AuditEvent.objects.get(action=AuditEvent.Action.MEETING_CREATED)
    assert event.actor == world.coordinator and event.municipality_id == world.testdorp.pk


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"starts_at": timezone.now() - dt.timedelta(hours=1)}, "starts_at"),
        ({"ends_at": timezone.now() + dt.timedelta(days=6)}, "ends_at"),  # before the start
        ({"capacity": 0}, "capacity"),
        ({"capacity": 100000}, "capacity"),
        ({"title": "  "}, "title"),
        ({"place": ""}, "place"),
        ({"lat": 50.7, "lon": None}, "lat"),
        ({"kind": "party"}, "kind"),
    ],
)
def test_bad_meetings_are_refused_and_nothing_is_stored(world, overrides, field):
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        services.save_meeting(actor=world.coordinator, municipality=world.testdorp, data=meeting_data(**overrides))
    assert field in caught.value.message_dict
    assert caught.value.message_dict[field][0]
    assert snapshot() == before


@pytest.mark.parametrize("who", ["coordinator_nl", "admin_a", "admin_b", "police", "nobody"])
def test_others_cannot_plan_for_testdorp(world, who):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.save_meeting(actor=getattr(world, who), municipality=world.testdorp, data=meeting_data())
    with pytest.raises(PermissionDenied):
        services.save_meeting(actor=None, municipality=world.testdorp, data=meeting_data())
    assert snapshot() == before


@pytest.mark.parametrize("who", ["coordinator_nl", "admin_a", "co_admin_a", "police", "police_nl", "nobody"])
def test_others_cannot_change_invite_cancel_or_keep_minutes(world, who):
    meeting = plan(world.testdorp)
    actor = getattr(world, who)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.save_meeting(
            actor=actor, municipality=world.testdorp, data=meeting_data(title="Anders"), meeting=meeting
        )
    with pytest.raises(PermissionDenied):
        services.invite(actor=actor, meeting=meeting, roles=["admins"])
    with pytest.raises(PermissionDenied):
        services.cancel_meeting(actor=actor, meeting=meeting)
    with pytest.raises(PermissionDenied):
        services.save_minutes(actor=actor, meeting=meeting, text="Verslag")
    with pytest.raises(PermissionDenied):
        services.record_attendance(actor=actor, meeting=meeting, count=3, present=[])
    assert snapshot() == before


# ---------------------------------------------------------------------- answers and places


def test_a_full_evening_puts_a_yes_on_the_waiting_list_and_moves_it_up_in_order(world):
    meeting = plan(world.testdorp, capacity=2)
    first = answer(meeting, 1)
    second = answer(meeting, 2)
    third = answer(meeting, 3)
    fourth = answer(meeting, 4)
    assert first.participant.answer == second.participant.answer == Participant.Answer.YES
    assert third.participant.answer == fourth.participant.answer == Participant.Answer.WAITING
    assert services.free_places(meeting) == 0
    # The first cancels: the third (first in line) moves up and is told, the fourth still waits.
    services.change_answer(actor=PUBLIC, participant=first.participant, answer="no", people=1)
    third.participant.refresh_from_db()
    fourth.participant.refresh_from_db()
    assert third.participant.answer == Participant.Answer.YES
    assert fourth.participant.answer == Participant.Answer.WAITING
    told = OutgoingMessage.objects.get(topic="meeting.moved_up")
    assert told.recipient == "bewoner3@example.org"
    assert told.language == "fr"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MEETING_MOVED_UP).count() == 1


def test_a_party_that_does_not_fit_keeps_its_place_but_holds_no_one_up(world):
    meeting = plan(world.testdorp, capacity=3)
    first = answer(meeting, 1, people=2)
    big = answer(meeting, 2, people=2)  # does not fit in the 1 place left: waits
    assert big.participant.answer == Participant.Answer.WAITING
    # The place left is one nobody waiting can use: a yes for 1 takes it (ADR 0032, addendum).
    small = answer(meeting, 3, people=1)
    assert small.participant.answer == Participant.Answer.YES
    later = answer(meeting, 4, people=1)  # the room is full now: waits, behind the larger party
    assert later.participant.answer == Participant.Answer.WAITING
    # Two places come free: the larger party, first in line, moves up before the later one.
    services.change_answer(actor=PUBLIC, participant=first.participant, answer="no", people=2)
    big.participant.refresh_from_db()
    later.participant.refresh_from_db()
    assert big.participant.answer == Participant.Answer.YES
    assert later.participant.answer == Participant.Answer.WAITING


def test_a_larger_yes_that_does_not_fit_keeps_the_old_answer(world):
    meeting = plan(world.testdorp, capacity=3)
    one = answer(meeting, 1, people=2)
    answer(meeting, 2, people=1)
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        services.change_answer(actor=PUBLIC, participant=one.participant, answer="yes", people=3)
    assert "people" in caught.value.message_dict
    assert snapshot() == before


@pytest.mark.parametrize(
    ("answer_value", "people", "field"), [("yes", 0, "people"), ("yes", 50, "people"), ("perhaps", 1, "answer")]
)
def test_bad_answers_are_refused_and_nothing_changes(world, answer_value, people, field):
    meeting = plan(world.testdorp)
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        answer(meeting, 1, answer=answer_value, people=people)
    assert field in caught.value.message_dict
    assert snapshot() == before


def test_the_same_form_twice_makes_one_answer(world):
    meeting = plan(world.testdorp)
    first = answer(meeting, 1)
    again = answer(meeting, 1)
    assert again.participant.pk == first.participant.pk and again.key is None and not again.already
    assert Participant.objects.filter(meeting=meeting).count() == 1
    assert OutgoingMessage.objects.filter(topic="meeting.answered").count() == 1
    # Another answer with the same address changes nothing: a new link goes to the address.
    other = answer(meeting, 1, answer="no")
    assert other.already
    first.participant.refresh_from_db()
    assert first.participant.answer == Participant.Answer.YES
    assert OutgoingMessage.objects.filter(topic="meeting.link_again", recipient="bewoner1@example.org").count() == 1


def test_answers_are_closed_after_the_start_and_links_then_change_nothing(world):
    meeting = plan(world.testdorp)
    done = answer(meeting, 1)
    with time_machine.travel(meeting.starts_at + dt.timedelta(minutes=5)):
        before = snapshot()
        with pytest.raises(ValidationError):
            answer(meeting, 2)
        with pytest.raises(ValidationError):
            services.change_answer(actor=PUBLIC, participant=done.participant, answer="no", people=1)
        assert snapshot() == before


def test_a_forged_link_finds_nothing_and_the_key_is_stored_hashed(world):
    meeting = plan(world.testdorp)
    done = answer(meeting, 1)
    assert services.find_by_key(done.key) == done.participant
    assert services.find_by_key(done.key + "x") is None
    assert services.find_by_key("") is None
    stored = ParticipantKey.objects.get(participant=done.participant)
    assert done.key not in stored.key_hash and len(stored.key_hash) == 64


def test_only_the_invited_person_changes_their_answer(world):
    meeting = plan(world.testdorp, kind=Meeting.Kind.ADMINS_MEETING)
    services.invite(actor=world.coordinator, meeting=meeting, roles=["admins"])
    own = Participant.objects.get(meeting=meeting, user=world.admin_a)
    services.change_answer(actor=world.admin_a, participant=own, answer="maybe", people=1)
    before = snapshot()
    for actor in (world.admin_b, world.coordinator, PUBLIC, SYSTEM):
        with pytest.raises(PermissionDenied):
            services.change_answer(actor=actor, participant=own, answer="no", people=1)
    assert snapshot() == before


def test_an_admins_meeting_takes_no_public_answers(world):
    meeting = plan(world.testdorp, kind=Meeting.Kind.ADMINS_MEETING)
    with pytest.raises(PermissionDenied):
        answer(meeting, 1)
    assert not Participant.objects.exists()


# ------------------------------------------------------------------------------ invitations


def test_invitations_by_role_reach_each_once_in_their_language(world):
    world.police.language = "fr"
    world.police.save()
    meeting = plan(world.testdorp, kind=Meeting.Kind.ADMINS_MEETING, capacity=None)
    count = services.invite(actor=world.coordinator, meeting=meeting, roles=["admins", "police", "coordinators"])
    invited = set(Participant.objects.filter(meeting=meeting).values_list("user__username", flat=True))
    assert invited == {"admin_a", "co_admin_a", "admin_b", "police", "coordinator"}
    assert count == 5
    # Nobody of Grensstad.
    assert not invited & {"coordinator_nl", "police_nl"}
    before = snapshot()
    with pytest.raises(ValidationError):
        services.invite(actor=world.coordinator, meeting=meeting, roles=["admins"])
    assert snapshot() == before
    assert OutgoingMessage.objects.filter(topic="meeting.invitation").count() == 5
    to_police = OutgoingMessage.objects.get(topic="meeting.invitation", user_id=world.police.pk)
    assert to_police.language == "fr" and to_police.channel == "email"
    to_admin = OutgoingMessage.objects.get(topic="meeting.invitation", user_id=world.admin_a.pk)
    assert to_admin.language == "nl"
    assert "/beheer/bijeenkomsten/" in to_admin.body


def test_invitations_by_group_and_by_sub_municipality(world):
    meeting = plan(world.testdorp, kind=Meeting.Kind.ADMINS_MEETING)
    services.invite(actor=world.coordinator, meeting=meeting, groups=[world.group_b])
    assert set(meeting.participants.values_list("user__username", flat=True)) == {"admin_b"}
    north = SubMunicipality.objects.create(
        municipality=world.testdorp,
        name="Noord-Testdorp",
        geometry={
            "type": "Polygon",
            "coordinates": [[[5.29, 50.751], [5.33, 50.751], [5.33, 50.77], [5.29, 50.77], [5.29, 50.751]]],
        },
    )
    services.invite(actor=world.coordinator, meeting=meeting, sub_municipalities=[north])
    assert set(meeting.participants.values_list("user__username", flat=True)) == {"admin_b", "admin_a", "co_admin_a"}


def test_an_invitation_for_another_municipalitys_group_is_refused(world):
    meeting = plan(world.testdorp, kind=Meeting.Kind.ADMINS_MEETING)
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.invite(actor=world.coordinator, meeting=meeting, groups=[world.group_nl])
    with pytest.raises(ValidationError):
        services.invite(actor=world.coordinator, meeting=meeting)
    assert snapshot() == before


# ------------------------------------------------------------------- change, cancel, reminder


def test_a_new_time_raises_the_sequence_and_is_told_to_who_answered(world):
    meeting = plan(world.testdorp, capacity=1)
    answer(meeting, 1)  # yes
    answer(meeting, 2)  # waiting
    answer(meeting, 3, answer="no")
    data = meeting_data(
        capacity=1, starts_at=meeting.starts_at + dt.timedelta(hours=1), ends_at=meeting.ends_at + dt.timedelta(hours=1)
    )
    changed = services.save_meeting(actor=world.coordinator, municipality=world.testdorp, data=data, meeting=meeting)
    assert changed.sequence == 1
    told = set(OutgoingMessage.objects.filter(topic="meeting.changed").values_list("recipient", flat=True))
    assert told == {"bewoner1@example.org", "bewoner2@example.org"}
    # Saving the same again changes and tells nothing.
    services.save_meeting(actor=world.coordinator, municipality=world.testdorp, data=data, meeting=changed)
    assert Meeting.objects.get(pk=meeting.pk).sequence == 1
    assert OutgoingMessage.objects.filter(topic="meeting.changed").count() == 2


def test_more_places_move_the_waiting_list_up(world):
    meeting = plan(world.testdorp, capacity=1)
    answer(meeting, 1)
    waiting = answer(meeting, 2)
    services.save_meeting(
        actor=world.coordinator,
        municipality=world.testdorp,
        data=meeting_data(capacity=2, starts_at=meeting.starts_at, ends_at=meeting.ends_at),
        meeting=meeting,
    )
    waiting.participant.refresh_from_db()
    assert waiting.participant.answer == Participant.Answer.YES


def test_fewer_places_than_people_coming_is_refused(world):
    meeting = plan(world.testdorp, capacity=3)
    answer(meeting, 1, people=3)
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        services.save_meeting(
            actor=world.coordinator,
            municipality=world.testdorp,
            data=meeting_data(capacity=2, starts_at=meeting.starts_at, ends_at=meeting.ends_at),
            meeting=meeting,
        )
    assert "capacity" in caught.value.message_dict
    assert snapshot() == before


def test_cancelling_tells_everyone_who_answered_and_only_once(world):
    meeting = plan(world.testdorp, capacity=1)
    answer(meeting, 1)
    answer(meeting, 2)  # waiting
    answer(meeting, 3, answer="maybe")
    answer(meeting, 4, answer="no")
    cancelled = services.cancel_meeting(actor=world.coordinator, meeting=meeting, reason="Zaal niet beschikbaar")
    assert cancelled.state == Meeting.State.CANCELLED and cancelled.sequence == 1
    told = set(OutgoingMessage.objects.filter(topic="meeting.cancelled").values_list("recipient", flat=True))
    assert told == {"bewoner1@example.org", "bewoner2@example.org", "bewoner3@example.org"}
    french = OutgoingMessage.objects.filter(topic="meeting.cancelled").first()
    assert french.language == "fr"
    before = snapshot()
    with pytest.raises(ValidationError):
        services.cancel_meeting(actor=world.coordinator, meeting=meeting)
    with pytest.raises(ValidationError):
        answer(meeting, 5)
    assert snapshot() == before


def test_the_reminder_goes_once_the_day_before(world):
    meeting = plan(world.testdorp, capacity=None)
    answer(meeting, 1)
    answer(meeting, 2, answer="maybe")
    answer(meeting, 3, answer="no")
    services.invite(actor=world.coordinator, meeting=meeting, roles=["coordinators"])
    with time_machine.travel(meeting.starts_at - dt.timedelta(days=2)):
        assert services.send_reminders() == 0
    with time_machine.travel(meeting.starts_at - dt.timedelta(hours=20)):
        assert services.send_reminders() == 2
        assert services.send_reminders() == 0
    with time_machine.travel(meeting.starts_at - dt.timedelta(hours=2)):
        assert services.send_reminders() == 0
    reminders = OutgoingMessage.objects.filter(topic="meeting.reminder")
    assert set(reminders.values_list("recipient", flat=True)) == {"bewoner1@example.org", "bewoner2@example.org"}
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MEETING_REMINDED).count() == 1


def test_no_reminder_for_a_cancelled_meeting(world):
    meeting = plan(world.testdorp)
    answer(meeting, 1)
    services.cancel_meeting(actor=world.coordinator, meeting=meeting)
    with time_machine.travel(meeting.starts_at - dt.timedelta(hours=20)):
        assert services.send_reminders() == 0


# ------------------------------------------------------------------------ after the meeting


def test_attendance_and_minutes_only_after_the_start(world):
    meeting = plan(world.testdorp, capacity=None)
    one = answer(meeting, 1, people=2)
    before = snapshot()
    with pytest.raises(ValidationError):
        services.save_minutes(actor=world.coordinator, meeting=meeting, text="Verslag")
    with pytest.raises(ValidationError):
        services.record_attendance(actor=world.coordinator, meeting=meeting, count=None, present=[one.participant.pk])
    assert snapshot() == before
    with time_machine.travel(meeting.ends_at + dt.timedelta(days=1)):
        services.record_attendance(actor=world.coordinator, meeting=meeting, count=None, present=[one.participant.pk])
        pdf = SimpleUploadedFile("verslag.pdf", b"%PDF-1.4\n%test\n", content_type="application/pdf")
        services.save_minutes(actor=world.coordinator, meeting=meeting, text="Twaalf aanwezigen.", upload=pdf)
    meeting.refresh_from_db()
    assert meeting.attendance_count == 2
    assert meeting.minutes == "Twaalf aanwezigen." and meeting.minutes_content_type == "application/pdf"
    assert Participant.objects.get(pk=one.participant.pk).attended


def test_a_minutes_file_that_is_no_pdf_or_photo_is_refused(world):
    meeting = plan(world.testdorp)
    with time_machine.travel(meeting.ends_at + dt.timedelta(days=1)):
        before = snapshot()
        bad = SimpleUploadedFile("verslag.exe", b"MZ\x90\x00" + b"\x00" * 100)
        with pytest.raises(ValidationError) as caught:
            services.save_minutes(actor=world.coordinator, meeting=meeting, text="Verslag", upload=bad)
        assert "minutes_file" in caught.value.message_dict
        with pytest.raises(ValidationError):
            services.record_attendance(actor=world.coordinator, meeting=meeting, count=100000, present=[])
        assert snapshot() == before


def test_the_reminder_job_is_registered_for_the_worker_and_for_celery_beat():
    from apps.messaging.hooks import background_jobs
    from buurtwacht.celery import app

    assert "meeting-reminders" in {job.name for job in background_jobs(slow=False)}
    assert app.conf.beat_schedule["meeting-reminders"]["task"] == "apps.meetings.tasks.send_reminders"


def test_residents_names_and_addresses_go_after_the_period_and_their_links_stop(world):
    meeting = plan(world.testdorp, capacity=None)
    done = answer(meeting, 1, people=3)
    services.invite(actor=world.coordinator, meeting=meeting, roles=["coordinators"])
    days = world.testdorp.retention_applications_days
    with time_machine.travel(meeting.ends_at + dt.timedelta(days=days - 1)):
        assert services.forget_residents() == 0
    with time_machine.travel(meeting.ends_at + dt.timedelta(days=days + 1)):
        assert services.background() == 1
        assert services.forget_residents() == 0
    resident = Participant.objects.get(pk=done.participant.pk)
    assert (resident.name, resident.email, resident.answer, resident.people) == ("", "", "yes", 3)
    assert services.find_by_key(done.key) is None
    assert Participant.objects.get(meeting=meeting, user=world.coordinator)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MEETING_RESIDENTS_FORGOTTEN).count() == 1
