"""The waiting list of an information evening (ADR 0032, addendum of 2026-12-07): a party that does
not fit yet keeps its place but holds no one up, a "yes" for more people than the room holds is
refused, nobody is overbooked however the answers come, and the public page and the desk say what
a new answer will do. Pages in English: the tests do not depend on the translations."""

from __future__ import annotations

import datetime as dt
import random

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from apps.audit.models import AuditEvent
from apps.core.actors import PUBLIC
from apps.meetings import services
from apps.meetings.models import MAX_PEOPLE, Meeting, Participant
from apps.messaging.models import OutgoingMessage

from .helpers import meeting_data, plan
from .test_services import snapshot

pytestmark = pytest.mark.django_db

NAMES = ("Anna", "Bernard", "Carla", "Didier", "Emma", "Frans", "Greet", "Hugo")


def answer(meeting, name, answer="yes", people=1, language="fr"):
    return services.answer_public(
        meeting=meeting,
        name=name,
        email=f"{name.lower()}@example.org",
        answer=answer,
        people=people,
        language=language,
    )


def stored_waiting(meeting, name, people, minutes_ago):
    """An answer on the waiting list as the service stored it before 2026-12-07 (a yes larger than
    the room was accepted then, and a yes that fitted waited behind it)."""
    return Participant.objects.create(
        meeting=meeting,
        name=name,
        email=f"{name.lower()}@example.org",
        language="nl",
        answer=Participant.Answer.WAITING,
        people=people,
        waiting_since=timezone.now() - dt.timedelta(minutes=minutes_ago),
        answered_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
    )


def answers(meeting):
    return {p.name: (p.answer, p.people) for p in meeting.participants.all()}


def overbooked(meeting):
    meeting.refresh_from_db()
    return meeting.capacity is not None and services.taken(meeting) > meeting.capacity


def list_can_move(meeting):
    """Someone waits who fits in the places free: the list should have moved up."""
    moving, _staying, _free = services._line_up(services.free_places(meeting), services._waiting_list(meeting))
    return bool(moving)


# ------------------------------------------------------------------------- the reported evening


def test_the_reported_evening_moves_up_carla_and_didier_past_bernard(world):
    """The defect as reported: 2 places; Anna yes for 1; Bernard's yes for 3, Carla's and Didier's
    yes for 1 on the waiting list in that order (stored so before the fix); Anna says no. Before
    the fix nobody moved up, ever (the desk: yes 0, waiting 3 (5 people), 2 places left)."""
    meeting = plan(world.testdorp, capacity=2)
    anna = answer(meeting, "Anna").participant
    assert anna.answer == Participant.Answer.YES
    bernard = stored_waiting(meeting, "Bernard", 3, minutes_ago=30)
    stored_waiting(meeting, "Carla", 1, minutes_ago=20)
    stored_waiting(meeting, "Didier", 1, minutes_ago=10)

    services.change_answer(actor=PUBLIC, participant=anna, answer="no", people=1)

    assert answers(meeting) == {
        "Anna": ("no", 1),
        "Bernard": ("waiting", 3),
        "Carla": ("yes", 1),
        "Didier": ("yes", 1),
    }
    bernard.refresh_from_db()
    assert bernard.waiting_since is not None  # keeps his place
    told = OutgoingMessage.objects.filter(topic="meeting.moved_up")
    assert sorted(told.values_list("recipient", flat=True)) == ["carla@example.org", "didier@example.org"]
    assert set(told.values_list("language", flat=True)) == {"nl"}
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MEETING_MOVED_UP).count() == 2
    assert services.counts(meeting).people_yes == 2 and not overbooked(meeting)
    places = services.places(meeting)
    assert (places.free, places.waiting, places.people_waiting, places.larger_than_the_room) == (0, 1, 3, 1)


def test_the_same_evening_answered_after_the_fix(world):
    meeting = plan(world.testdorp, capacity=2)
    anna = answer(meeting, "Anna").participant
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        answer(meeting, "Bernard", people=3)  # more than the room holds: refused, nothing stored
    assert list(caught.value.message_dict) == ["people"]
    assert snapshot() == before
    bernard = answer(meeting, "Bernard", people=2).participant  # does not fit yet: waits
    assert bernard.answer == Participant.Answer.WAITING
    # The page says 1 place left, and a yes for 1 gets it: Bernard cannot use it.
    assert services.places(meeting).free == 1
    assert answer(meeting, "Carla").participant.answer == Participant.Answer.YES
    assert answer(meeting, "Didier").participant.answer == Participant.Answer.WAITING
    services.change_answer(actor=PUBLIC, participant=anna, answer="no", people=1)
    assert answers(meeting) == {
        "Anna": ("no", 1),
        "Bernard": ("waiting", 2),
        "Carla": ("yes", 1),
        "Didier": ("yes", 1),
    }
    # Bernard is first again when places come free: Carla and Didier both say no.
    for name in ("Carla", "Didier"):
        services.change_answer(actor=PUBLIC, participant=meeting.participants.get(name=name), answer="no", people=1)
    assert answers(meeting)["Bernard"] == ("yes", 2)


# ----------------------------------------------------------------- larger than the whole room


@pytest.mark.parametrize("capacity", [1, 2, 5])
def test_a_yes_for_more_people_than_the_room_is_refused_and_nothing_stored(world, capacity):
    meeting = plan(world.testdorp, capacity=capacity)
    before = snapshot()
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        answer(meeting, "Bernard", people=capacity + 1)
    assert list(caught.value.message_dict) == ["people"]
    message = caught.value.message_dict["people"][0]
    assert f"holds {capacity} " in message and f"{capacity + 1} people" in message
    assert caught.value.error_dict["people"][0].code == "larger_than_the_room"
    assert snapshot() == before
    # The whole room is fine; a "maybe" or a "no" for more people takes no places.
    assert answer(meeting, "Anna", people=capacity).participant.answer == Participant.Answer.YES
    assert answer(meeting, "Carla", answer="maybe", people=capacity + 1).participant.answer == "maybe"


@pytest.mark.parametrize("old", ["yes", "maybe", "no", "waiting"])
def test_changing_to_a_yes_larger_than_the_room_is_refused_and_nothing_changes(world, old):
    meeting = plan(world.testdorp, capacity=3)
    if old == "waiting":
        answer(meeting, "Anna", people=3)
    participant = answer(meeting, "Bernard", answer="yes" if old == "waiting" else old, people=2).participant
    assert participant.answer == old
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        services.change_answer(actor=PUBLIC, participant=participant, answer="yes", people=4)
    assert list(caught.value.message_dict) == ["people"]
    assert caught.value.error_dict["people"][0].code == "larger_than_the_room"
    assert snapshot() == before


def test_a_stored_answer_larger_than_the_room_waits_and_may_come_down_to_size(world):
    meeting = plan(world.testdorp, capacity=2)
    bernard = stored_waiting(meeting, "Bernard", 3, minutes_ago=10)
    # Asking again for 3 is refused; answering for 2 keeps his place and, fitting now, moves up.
    with pytest.raises(ValidationError):
        services.change_answer(actor=PUBLIC, participant=bernard, answer="yes", people=3)
    bernard = services.change_answer(actor=PUBLIC, participant=bernard, answer="yes", people=2)
    assert (bernard.answer, bernard.people) == ("yes", 2)


def test_a_stored_answer_larger_than_the_room_moves_up_when_places_are_added(world):
    meeting = plan(world.testdorp, capacity=2)
    stored_waiting(meeting, "Bernard", 3, minutes_ago=10)
    services.save_meeting(
        actor=world.coordinator,
        municipality=world.testdorp,
        data=meeting_data(capacity=3, starts_at=meeting.starts_at, ends_at=meeting.ends_at),
        meeting=meeting,
    )
    assert answers(meeting) == {"Bernard": ("yes", 3)}


# -------------------------------------------------------------------------- moving up in order


def test_every_party_that_fits_moves_up_in_order_and_is_told(world):
    meeting = plan(world.testdorp, capacity=6)
    anna = answer(meeting, "Anna", people=5).participant
    answer(meeting, "Bernard", people=1)  # the last place
    for name, people in (("Carla", 4), ("Didier", 2), ("Emma", 3), ("Frans", 1), ("Greet", 2)):
        assert answer(meeting, name, people=people).participant.answer == "waiting"
    # 5 places come free: Carla (4) and Frans (1) fit in that order; Didier (2) no longer does
    # once Carla moved up, Emma (3) neither, nor Greet (2).
    services.change_answer(actor=PUBLIC, participant=anna, answer="no", people=5)
    state = answers(meeting)
    assert {n for n, (a, _p) in state.items() if a == "yes"} == {"Bernard", "Carla", "Frans"}
    assert [p.name for p in services._waiting_list(meeting)] == ["Didier", "Emma", "Greet"]
    assert services.free_places(meeting) == 0
    told = set(OutgoingMessage.objects.filter(topic="meeting.moved_up").values_list("recipient", flat=True))
    assert told == {"carla@example.org", "frans@example.org"}


def test_a_list_stored_blocked_moves_up_with_the_quarter_hourly_job_once(world):
    meeting = plan(world.testdorp, capacity=2)
    stored_waiting(meeting, "Bernard", 3, minutes_ago=30)
    stored_waiting(meeting, "Carla", 1, minutes_ago=20)
    other = plan(world.testdorp, capacity=2)
    stored_waiting(other, "Didier", 1, minutes_ago=20)
    services.cancel_meeting(actor=world.coordinator, meeting=other)
    # The public page and the desk already say what the next answer will find.
    assert services.places(meeting).free == 1
    assert services.move_up_waiting_lists() == 1
    assert services.move_up_waiting_lists() == 0
    assert answers(meeting) == {"Bernard": ("waiting", 3), "Carla": ("yes", 1)}
    assert answers(other) == {"Didier": ("waiting", 1)}  # cancelled: nobody moves up
    assert OutgoingMessage.objects.filter(topic="meeting.moved_up").count() == 1
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MEETING_MOVED_UP).count() == 1


def test_a_new_answer_first_moves_a_stored_blocked_list_up(world):
    meeting = plan(world.testdorp, capacity=1)
    stored_waiting(meeting, "Bernard", 3, minutes_ago=30)
    stored_waiting(meeting, "Carla", 1, minutes_ago=20)
    # The one place is Carla's, who waited for it: the newcomer waits behind her, as the page
    # says (no place left for a newcomer).
    assert services.places(meeting).free == 0
    assert answer(meeting, "Didier").participant.answer == "waiting"
    assert answers(meeting)["Carla"] == ("yes", 1)
    assert OutgoingMessage.objects.filter(topic="meeting.moved_up", recipient="carla@example.org").count() == 1


# ----------------------------------------------------------------------- never overbooked


def test_many_answers_and_changes_never_overbook_and_the_list_always_moves(world):
    meeting = plan(world.testdorp, capacity=7)
    rng = random.Random(20261207)  # noqa: S311 (a fixed sequence, no secret)
    people = {}
    for step in range(120):
        name = rng.choice(NAMES)
        choice = rng.choice(["yes", "yes", "yes", "maybe", "no"])
        count = rng.randint(1, MAX_PEOPLE)
        existing = meeting.participants.filter(name=name).first()
        try:
            if existing is None:
                answer(meeting, name, answer=choice, people=count)
            else:
                services.change_answer(actor=PUBLIC, participant=existing, answer=choice, people=count)
        except ValidationError as exc:
            assert list(exc.message_dict) == ["people"], exc
            assert choice == "yes", exc
        else:
            people[name] = count
        # The same answer again, as a double click: nothing changes.
        before = snapshot()
        again = meeting.participants.get(name=name) if meeting.participants.filter(name=name).exists() else None
        if again is not None and again.answer != "waiting":
            services.change_answer(actor=PUBLIC, participant=again, answer=again.answer, people=again.people)
            assert snapshot() == before
        assert not overbooked(meeting), step
        assert not list_can_move(meeting), step
        assert not meeting.participants.filter(answer="waiting", people__gt=meeting.capacity).exists(), step
    assert services.counts(meeting).yes > 0 and services.counts(meeting).waiting > 0


@pytest.mark.parametrize("people", [0, -1, MAX_PEOPLE + 1, "3", "drie", None, 2.5, True])
def test_bad_numbers_of_people_are_refused_by_the_service(world, people):
    meeting = plan(world.testdorp, capacity=20)
    participant = answer(meeting, "Anna").participant
    before = snapshot()
    with pytest.raises(ValidationError) as caught:
        answer(meeting, "Bernard", people=people)
    assert list(caught.value.message_dict) == ["people"]
    with pytest.raises(ValidationError) as caught:
        services.change_answer(actor=PUBLIC, participant=participant, answer="yes", people=people)
    assert list(caught.value.message_dict) == ["people"]
    assert snapshot() == before


# ---------------------------------------------------------------------------------- the pages


def public_url(meeting):
    return reverse("public:meeting_detail", args=[meeting.municipality.slug, meeting.pk])


def places_paragraph(html: str) -> str:
    """The places' paragraph: its attributes, then ``|``, then its text."""
    start = html.index('id="places-left"')
    attributes, text = html[start : html.index("</p>", start)].split(">", 1)
    return " ".join(attributes.split()) + " | " + " ".join(text.split())


def test_the_public_page_without_a_waiting_list_says_the_places_left(client, world):
    meeting = plan(world.testdorp, capacity=3)
    answer(meeting, "Anna")
    text = places_paragraph(client.get(public_url(meeting), HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert 'data-free="2"' in text and 'data-people-waiting="0"' in text
    assert text.split("|")[1] == " 2 places left."
    answer(meeting, "Bernard", people=2)
    text = places_paragraph(client.get(public_url(meeting), HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert 'data-free="0"' in text and "The room is full" in text


def test_the_public_page_says_full_when_people_wait_and_the_desk_agrees(client, world):
    meeting = plan(world.testdorp, capacity=2)
    answer(meeting, "Anna", people=2)
    answer(meeting, "Bernard", people=2)
    answer(meeting, "Carla")
    public = places_paragraph(client.get(public_url(meeting), HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert 'data-free="0"' in public and 'data-people-waiting="3"' in public
    assert "Full: 3 people are waiting for a place." in public
    assert "A yes goes onto the waiting list" in public and "left" not in public.split("|")[1]
    client.force_login(world.coordinator)
    desk = client.get(reverse("staff:meeting_detail", args=[meeting.pk]), HTTP_ACCEPT_LANGUAGE="en")
    desk_text = places_paragraph(desk.content.decode())
    assert 'data-free="0"' in desk_text and 'data-people-waiting="3"' in desk_text
    assert "Full: 3 people are waiting for a place." in desk_text
    # A newcomer's yes for 1 does what the page said: onto the waiting list.
    assert answer(meeting, "Didier").participant.answer == "waiting"


def test_places_nobody_waiting_can_use_are_offered_and_the_waiting_are_named(client, world):
    meeting = plan(world.testdorp, capacity=3)
    answer(meeting, "Anna", people=2)
    answer(meeting, "Bernard", people=2)  # waits for 2 places, 1 is left
    public = places_paragraph(client.get(public_url(meeting), HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert 'data-free="1"' in public and 'data-people-waiting="2"' in public
    assert "1 place left." in public and "2 people are waiting for more places than are left." in public
    client.force_login(world.coordinator)
    desk = places_paragraph(
        client.get(reverse("staff:meeting_detail", args=[meeting.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    assert 'data-free="1"' in desk and "1 place left." in desk and "2 people are waiting" in desk
    # What the page promised: a yes for 1 gets the place.
    assert answer(meeting, "Carla").participant.answer == "yes"


def test_a_stored_blocked_list_is_shown_as_it_will_move(client, world):
    """The desk before the fix said "2 places left" with 3 answers waiting: both pages now say what
    the next answer will find (Carla and Didier in, Bernard waiting)."""
    meeting = plan(world.testdorp, capacity=2)
    for name, people, ago in (("Bernard", 3, 30), ("Carla", 1, 20), ("Didier", 1, 10)):
        stored_waiting(meeting, name, people, minutes_ago=ago)
    public = places_paragraph(client.get(public_url(meeting), HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert 'data-free="0"' in public and 'data-people-waiting="3"' in public
    client.force_login(world.coordinator)
    page = client.get(reverse("staff:meeting_detail", args=[meeting.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-free="0"' in places_paragraph(page)
    assert page.count('class="larger-than-the-room"') == 1  # Bernard, marked on the desk


def test_the_public_form_refuses_a_party_larger_than_the_room_and_keeps_the_input(client, world):
    meeting = plan(world.testdorp, capacity=2)
    before = snapshot()
    data = {"name": "Bernard Dupont", "email": "bernard@example.org", "answer": "yes", "people": "3", "website": ""}
    response = client.post(public_url(meeting), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == ["people"] and "holds 2 people" in form.errors["people"][0]
    html = response.content.decode()
    assert 'value="Bernard Dupont"' in html and 'value="bernard@example.org"' in html and 'value="3"' in html
    assert "#id_people" in html  # the summary links to the field
    assert snapshot() == before


def test_the_link_refuses_a_party_larger_than_the_room_and_changes_nothing(client, world):
    meeting = plan(world.testdorp, capacity=2)
    done = answer(meeting, "Anna")
    url = reverse("public:meeting_answer", args=[done.key])
    before = snapshot()
    response = client.post(url, {"answer": "yes", "people": "5"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["people"]
    assert 'value="5"' in response.content.decode()
    assert snapshot() == before


def test_the_link_of_a_stored_answer_larger_than_the_room_says_so(client, world):
    meeting = plan(world.testdorp, capacity=2)
    bernard = stored_waiting(meeting, "Bernard", 3, minutes_ago=10)
    from apps.meetings.models import ParticipantKey

    key = ParticipantKey.issue(bernard)
    page = client.get(reverse("public:meeting_answer", args=[key]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="larger-than-the-room"' in page and "The room holds 2 people in all" in page
    done = client.post(reverse("public:meeting_answer", args=[key]), {"answer": "yes", "people": "2"})
    assert done.status_code == 200
    assert 'id="larger-than-the-room"' not in done.content.decode()
    assert answers(meeting) == {"Bernard": ("yes", 2)}


def test_a_staff_answer_larger_than_the_room_is_refused_on_the_desk(client, world):
    meeting = plan(world.testdorp, kind=Meeting.Kind.ADMINS_MEETING, capacity=2)
    services.invite(actor=world.coordinator, meeting=meeting, roles=["admins"])
    client.force_login(world.admin_a)
    before = snapshot()
    url = reverse("staff:meeting_answer", args=[meeting.pk])
    response = client.post(url, {"answer": "yes", "people": "3"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and list(response.context["answer_form"].errors) == ["people"]
    assert snapshot() == before


@pytest.mark.parametrize("people", ["0", "-1", str(MAX_PEOPLE + 1), "drie", "2.5", ""])
def test_bad_numbers_of_people_come_back_on_every_form_and_nothing_changes(client, world, people):
    meeting = plan(world.testdorp, capacity=20)
    done = answer(meeting, "Anna")
    staff_meeting = plan(world.testdorp, kind=Meeting.Kind.ADMINS_MEETING, capacity=20)
    services.invite(actor=world.coordinator, meeting=staff_meeting, roles=["admins"])
    before = snapshot()
    data = {"name": "Bernard", "email": "bernard@example.org", "answer": "yes", "people": people, "website": ""}
    public = client.post(public_url(meeting), data, HTTP_ACCEPT_LANGUAGE="en")
    assert public.status_code == 400 and list(public.context["form"].errors) == ["people"]
    link = client.post(reverse("public:meeting_answer", args=[done.key]), {"answer": "yes", "people": people})
    assert link.status_code == 400 and list(link.context["form"].errors) == ["people"]
    client.force_login(world.admin_a)
    desk = client.post(reverse("staff:meeting_answer", args=[staff_meeting.pk]), {"answer": "yes", "people": people})
    assert desk.status_code == 400 and list(desk.context["answer_form"].errors) == ["people"]
    assert snapshot() == before


def test_nothing_moves_up_after_the_start(world):
    meeting = plan(world.testdorp, capacity=2)
    stored_waiting(meeting, "Carla", 1, minutes_ago=10)
    with time_machine.travel(meeting.starts_at + dt.timedelta(minutes=5)):
        assert services.move_up_waiting_lists() == 0
        assert services.places(meeting).waiting == 1
    assert answers(meeting) == {"Carla": ("waiting", 1)}
