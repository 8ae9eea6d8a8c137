"""The desk's and the residents' pages of meetings: each role sees what is theirs, others get a
404 or 403 and change nothing; bad input comes back with a message."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from apps.meetings import services
from apps.meetings.models import Meeting, Participant
from apps.messaging.models import OutgoingMessage

from .helpers import plan
from .test_services import snapshot

pytestmark = pytest.mark.django_db


def form(**overrides):
    start = (dt.datetime.now() + dt.timedelta(days=10)).replace(hour=19, minute=30)
    data = {
        "kind": "information_evening",
        "title": "Infoavond",
        "place": "Zaal De Kroon, Dorpsstraat 5",
        "lat": "",
        "lon": "",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "description": "",
        "capacity": "40",
    }
    data.update(overrides)
    return data


def test_the_coordinator_creates_a_meeting_on_the_desk(client, world):
    client.force_login(world.coordinator)
    response = client.post(reverse("staff:meeting_create"), form())
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response.url == reverse("staff:meeting_detail", args=[meeting.pk])
    assert meeting.capacity == 40 and meeting.municipality == world.testdorp
    page = client.get(reverse("staff:meeting_detail", args=[meeting.pk]))
    assert page.status_code == 200 and b"count-yes" in page.content


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"starts_at": "2020-01-01T19:00", "ends_at": "2020-01-01T21:00"}, "starts_at"),
        ({"ends_at": (dt.datetime.now() + dt.timedelta(days=9)).strftime("%Y-%m-%dT%H:%M")}, "ends_at"),
        ({"capacity": "0"}, "capacity"),
        ({"capacity": "100000"}, "capacity"),
        ({"starts_at": "tomorrow"}, "starts_at"),
    ],
)
def test_bad_input_on_the_desk_comes_back_with_a_message(client, world, overrides, field):
    client.force_login(world.coordinator)
    response = client.post(reverse("staff:meeting_create"), form(**overrides))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("who", ["coordinator_nl", "admin_a", "admin_b", "police", "police_nl", "nobody"])
def test_other_roles_are_refused_on_the_desk_and_nothing_changes(client, world, who):
    meeting = plan(world.testdorp)
    client.force_login(getattr(world, who))
    before = snapshot()
    assert client.get(reverse("staff:meeting_detail", args=[meeting.pk])).status_code == 404
    assert client.get(reverse("staff:meeting_edit", args=[meeting.pk])).status_code == 404
    for name in ("meeting_invite", "meeting_cancel", "meeting_attendance", "meeting_minutes", "meeting_answer"):
        response = client.post(reverse(f"staff:{name}", args=[meeting.pk]), {"roles": ["admins"], "reason": "x"})
        assert response.status_code == 404, name
    assert client.get(reverse("staff:meeting_ics", args=[meeting.pk])).status_code == 404
    response = client.post(reverse("staff:meeting_create") + f"?gemeente={world.testdorp.pk}", form())
    assert response.status_code in (403, 404)
    assert snapshot() == before


def test_anonymous_goes_to_the_login(client, world):
    meeting = plan(world.testdorp)
    before = snapshot()
    for url in (reverse("staff:meeting_list"), reverse("staff:meeting_detail", args=[meeting.pk])):
        assert client.get(url).status_code == 302
    assert client.post(reverse("staff:meeting_cancel", args=[meeting.pk])).status_code == 302
    assert snapshot() == before


def test_an_invited_admin_answers_on_the_desk_and_sees_no_one_elses_answers(client, world):
    meeting = plan(world.testdorp, kind="admins_meeting")
    services.invite(actor=world.coordinator, meeting=meeting, roles=["admins"])
    client.force_login(world.admin_a)
    listing = client.get(reverse("staff:meeting_list"))
    assert meeting.title.encode() in listing.content
    page = client.get(reverse("staff:meeting_detail", args=[meeting.pk]))
    assert page.status_code == 200 and b"count-yes" not in page.content
    bad = client.post(reverse("staff:meeting_answer", args=[meeting.pk]), {"answer": "yes", "people": "50"})
    assert bad.status_code == 400
    assert Participant.objects.get(meeting=meeting, user=world.admin_a).answer == "invited"
    client.post(reverse("staff:meeting_answer", args=[meeting.pk]), {"answer": "yes", "people": "1"})
    assert Participant.objects.get(meeting=meeting, user=world.admin_a).answer == "yes"
    # Not an organiser: the invite page refuses.
    assert client.post(reverse("staff:meeting_invite", args=[meeting.pk]), {"roles": ["police"]}).status_code == 404


def test_the_feed_address_is_shown_once_and_serves_the_calendar(client, world):
    meeting = plan(world.testdorp, kind="admins_meeting")
    services.invite(actor=world.coordinator, meeting=meeting, roles=["admins"])
    client.force_login(world.admin_a)
    response = client.post(reverse("staff:meeting_feed_create"))
    url = response.context["feed_url"]
    assert "/agenda/" in url
    client.logout()
    feed = client.get(url.replace("http://testserver", ""))
    assert feed.status_code == 200 and feed["Content-Type"].startswith("text/calendar")
    assert meeting.title.encode() in feed.content
    assert client.get(reverse("public:meeting_feed", args=["forged"])).status_code == 404


def test_a_resident_answers_on_the_public_page_and_changes_through_the_link(client, world):
    meeting = plan(world.testdorp, capacity=1)
    public = reverse("public:meeting_detail", args=["testdorp", meeting.pk])
    assert meeting.title.encode() in client.get(reverse("public:municipality_meetings", args=["testdorp"])).content
    assert meeting.title.encode() in client.get(reverse("public:home")).content
    assert meeting.title.encode() in client.get(reverse("public:group_detail", args=[world.group_a.slug])).content
    assert meeting.title.encode() not in client.get(reverse("public:group_detail", args=[world.group_nl.slug])).content
    bad = client.post(public, {"name": "", "email": "geen", "answer": "yes", "people": "0", "website": ""})
    assert bad.status_code == 400 and not Participant.objects.exists()
    response = client.post(
        public,
        {"name": "Anne", "email": "anne@example.org", "answer": "yes", "people": "1", "website": ""},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 302 and "/mijn-antwoord/" in response.url
    assert response["Referrer-Policy"] == "same-origin"
    page = client.get(response.url)
    assert page.status_code == 200 and b"noindex" in page.content
    # The same form again: no second answer.
    again = client.post(
        public, {"name": "Anne", "email": "anne@example.org", "answer": "yes", "people": "1", "website": ""}
    )
    assert again.status_code == 200 and Participant.objects.count() == 1
    client.post(response.url, {"answer": "no", "people": "1"})
    assert Participant.objects.get().answer == "no"
    mail = OutgoingMessage.objects.get(topic="meeting.answered")
    assert mail.recipient == "anne@example.org" and "/mijn-antwoord/" in mail.body


def test_a_forged_or_late_link_changes_nothing(client, world):
    meeting = plan(world.testdorp)
    done = services.answer_public(meeting=meeting, name="Anne", email="anne@example.org", answer="yes", people=1)
    forged = client.post(reverse("public:meeting_answer", args=["not-a-key"]), {"answer": "no", "people": "1"})
    assert forged.status_code == 404
    with time_machine.travel(meeting.ends_at + dt.timedelta(days=1)):
        late = client.post(reverse("public:meeting_answer", args=[done.key]), {"answer": "no", "people": "1"})
        assert late.status_code == 400
    assert Participant.objects.get().answer == "yes"


def test_an_admins_meeting_has_no_public_page(client, world):
    meeting = plan(world.testdorp, kind="admins_meeting")
    assert client.get(reverse("public:meeting_detail", args=["testdorp", meeting.pk])).status_code == 404
    assert client.get(reverse("public:meeting_ics", args=["testdorp", meeting.pk])).status_code == 404
    assert meeting.title.encode() not in client.get(reverse("public:home")).content


def test_the_coordinator_invites_on_the_page_and_the_same_choice_again_changes_nothing(client, world):
    meeting = plan(world.testdorp, kind="admins_meeting")
    client.force_login(world.coordinator)
    url = reverse("staff:meeting_invite", args=[meeting.pk])
    assert client.post(url, {"roles": ["admins"]}).status_code == 302
    assert meeting.participants.count() == 3
    before = snapshot()
    again = client.post(url, {"roles": ["admins"]})
    assert again.status_code == 400 and again.context["invite_form"].non_field_errors()
    empty = client.post(url, {})
    assert empty.status_code == 400 and empty.context["invite_form"].non_field_errors()
    other = client.post(url, {"groups": [world.group_nl.pk]})
    assert other.status_code == 400 and other.context["invite_form"].errors["groups"]
    assert snapshot() == before


def test_minutes_and_attendance_on_the_page_after_the_meeting(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    meeting = plan(world.testdorp, kind="admins_meeting")
    client.force_login(world.coordinator)
    early = client.post(reverse("staff:meeting_minutes", args=[meeting.pk]), {"minutes": "Te vroeg"})
    assert early.status_code == 400
    with time_machine.travel(meeting.ends_at + dt.timedelta(hours=1)):
        client.force_login(world.coordinator)
        pdf = SimpleUploadedFile("verslag.pdf", b"%PDF-1.4\n%verslag\n", content_type="application/pdf")
        done = client.post(
            reverse("staff:meeting_minutes", args=[meeting.pk]), {"minutes": "Afspraken gemaakt.", "minutes_file": pdf}
        )
        assert done.status_code == 302
        counted = client.post(reverse("staff:meeting_attendance", args=[meeting.pk]), {"attendance_count": "12"})
        assert counted.status_code == 302
        download = client.get(reverse("staff:meeting_minutes_file", args=[meeting.pk]))
        assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
        client.force_login(world.coordinator_nl)
        assert client.get(reverse("staff:meeting_minutes_file", args=[meeting.pk])).status_code == 404
    meeting.refresh_from_db()
    assert meeting.minutes == "Afspraken gemaakt." and meeting.attendance_count == 12
