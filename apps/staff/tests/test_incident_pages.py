"""The desk's incident pages: who sees an incident, the form that records one, the alert
settings, police feedback, and attachments uploaded and served within reach."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from apps.incidents.models import Incident, IncidentAttachment
from apps.incidents.tests.helpers import jpeg_with_gps, report
from apps.incidents.tests.media_samples import PLANTED, Sample, scratch_folder, shared_samples, stored_path
from apps.messaging.models import DeliveryPreference
from testkit.world import World


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> dict[str, Sample]:
    return shared_samples(tmp_path_factory)


@pytest.fixture(autouse=True)
def scratch(settings, tmp_path) -> Path:
    """Attachments are stored in the test's own folder."""
    return scratch_folder(settings, tmp_path)


@pytest.mark.parametrize("who", ["admin_b", "coordinator_nl"])
def test_others_do_not_see_the_incident(client, world: World, who):
    incident = report(world)
    client.force_login(getattr(world, who))
    assert client.get(reverse("incidents:detail", args=[incident.pk])).status_code == 404
    page = client.get(reverse("incidents:list"))
    assert reverse("incidents:detail", args=[incident.pk]) not in page.content.decode()


@pytest.mark.parametrize("who", ["admin_a", "coordinator", "police", "superuser"])
def test_reporter_coordinator_and_police_see_the_incident(client, world: World, who):
    incident = report(world)
    client.force_login(getattr(world, who))
    response = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert response.status_code == 200 and "1-ABC-123" in response.content.decode()


def test_the_form_shows_the_numbers_and_the_profiling_reminder(client, world: World):
    client.force_login(world.admin_a)
    page = client.get(reverse("incidents:create")).content.decode()
    assert "101" in page and "112" in page
    assert "not origin" in page


def test_the_form_records_an_incident(client, world: World):
    client.force_login(world.admin_a)
    data = {
        "police_called": "on",
        "category": "burglary",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "group": world.group_a.pk,
        "address": "Noordstraat 1",
        "text": "Inbraak langs de achterdeur.",
        "vehicle_plate": "xb-12-34",
    }
    response = client.post(reverse("incidents:create"), data)
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("incidents:detail", args=[incident.pk])
    assert incident.vehicle_plate == "XB-12-34" and incident.vehicle_plate_country == "NL"


def test_the_form_without_police_call_is_refused_with_the_numbers(client, world: World):
    client.force_login(world.admin_a)
    data = {
        "category": "burglary",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "group": world.group_a.pk,
        "address": "Noordstraat 1",
        "text": "Inbraak.",
    }
    response = client.post(reverse("incidents:create"), data)
    assert response.status_code == 200 and "Call the police first" in response.content.decode()
    assert not Incident.objects.exists()


def test_own_alert_settings_page(client, world: World):
    client.force_login(world.admin_a)
    url = reverse("incidents:delivery_preference")
    assert client.get(url).status_code == 200
    bad = client.post(url, {"channels": "sms,whatsapp,email", "quiet_start": "22:00"})
    assert bad.status_code == 200 and not DeliveryPreference.objects.exists()
    ok = client.post(
        url, {"channels": "sms,whatsapp,email", "whatsapp_opt_in": "on", "quiet_start": "22:00", "quiet_end": "07:00"}
    )
    assert ok.status_code == 302
    preference = DeliveryPreference.objects.get(user=world.admin_a)
    assert preference.channel_list() == ["sms", "whatsapp", "email"] and preference.whatsapp_opt_in


def test_feedback_page_for_police_and_refusal_for_admin(client, world: World):
    incident = report(world)
    url = reverse("incidents:feedback", args=[incident.pk])
    client.force_login(world.admin_a)
    assert client.post(url, {"feedback": "x", "close": "on"}).status_code == 403
    client.force_login(world.coordinator_nl)
    assert client.post(url, {"feedback": "x", "close": "on"}).status_code == 404
    client.force_login(world.police)
    assert client.post(url, {"feedback": "Niets gevonden.", "close": "on"}).status_code == 302
    incident.refresh_from_db()
    assert incident.status == "closed"


def test_upload_and_download_through_the_desk_only_within_reach(client, world: World):
    incident = report(world)
    client.force_login(world.admin_a)
    upload = SimpleUploadedFile("p.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = client.post(reverse("incidents:attachment_upload", args=[incident.pk]), {"file": upload})
    assert response.status_code == 302
    attachment = IncidentAttachment.objects.get()
    url = reverse("incidents:attachment_file", args=[attachment.pk])
    got = client.get(url)
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg" and got["X-Content-Type-Options"] == "nosniff"
    client.force_login(world.admin_b)
    assert client.get(url).status_code == 404
    again = SimpleUploadedFile("p.jpg", jpeg_with_gps(), content_type="image/jpeg")
    assert client.post(reverse("incidents:attachment_upload", args=[incident.pk]), {"file": again}).status_code == 404
    assert IncidentAttachment.objects.count() == 1


def test_the_desk_form_stores_a_clean_video(client, world: World, samples):
    incident = report(world)
    client.force_login(world.admin_a)
    sent = SimpleUploadedFile("VID_20260501.mp4", samples["mp4"].data, content_type="video/mp4")
    response = client.post(reverse("incidents:attachment_upload", args=[incident.pk]), {"file": sent})
    assert response.status_code == 302
    attachment = IncidentAttachment.objects.get()
    got = client.get(reverse("incidents:attachment_file", args=[attachment.pk]))
    served = b"".join(got.streaming_content)
    assert got["Content-Type"] == "video/mp4" and served == stored_path(attachment).read_bytes()
    assert [word for word in PLANTED if word in served] == [] and served != samples["mp4"].data


def test_the_desk_form_says_why_a_damaged_video_is_refused(client, world: World, samples):
    incident = report(world)
    client.force_login(world.admin_a)
    data = samples["mov"].data
    sent = SimpleUploadedFile("clip.mov", data[: len(data) // 2], content_type="video/quicktime")
    response = client.post(reverse("incidents:attachment_upload", args=[incident.pk]), {"file": sent}, follow=True)
    assert "This video is damaged or cannot be read." in response.content.decode()
    assert not IncidentAttachment.objects.exists()
