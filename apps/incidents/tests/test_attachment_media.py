"""Video and audio attachments: stored without tags, dates, GPS or extra tracks, still playable.

The samples (:mod:`.media_samples`) carry the metadata a phone or a recorder writes; the stored
files are read back the way ffprobe would.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.api.tests.utils import bearer
from apps.audit.models import AuditEvent
from apps.incidents import attachments
from apps.incidents.models import IncidentAttachment
from testkit.world import World

from .helpers import report
from .media_samples import (
    ANDROID_LOCATION,
    HARMLESS,
    NAMES,
    PLANTED,
    Sample,
    plays,
    probe,
    scratch_folder,
    shared_samples,
    stored_path,
    upload,
)


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> dict[str, Sample]:
    return shared_samples(tmp_path_factory)


@pytest.fixture(autouse=True)
def scratch(settings, tmp_path) -> Path:
    return scratch_folder(settings, tmp_path)


@pytest.mark.parametrize("name", NAMES)
def test_media_is_stored_without_its_metadata_and_still_plays(world: World, samples, tmp_path, scratch, name):
    sample = samples[name]
    original = tmp_path / f"original.{sample.ext}"
    original.write_bytes(sample.data)
    before = probe(original)
    assert sample.planted <= set(before.metadata), before.metadata  # the original does carry them

    attachment = upload(world, sample.data, f"IMG_0001.{sample.ext}")

    path = stored_path(attachment)
    stored = path.read_bytes()
    after = probe(path)
    assert (attachment.kind, attachment.content_type) == (sample.kind, sample.mime)
    assert path.suffix == f".{sample.ext}" and attachments.sniff(stored[:64]) == attachments.sniff(sample.data[:64])
    assert set(after.metadata) <= HARMLESS, after.metadata
    assert set(after.metadata.get("encoder", [])) <= {"Lavf"}  # the writer's name, no version or device
    assert [word for word in PLANTED if word in stored] == []
    assert after.streams == sample.streams
    assert after.duration is not None and abs(after.duration - 1.0) < 0.15
    assert plays(path)
    assert (attachment.size, attachment.sha256) == (len(stored), hashlib.sha256(stored).hexdigest())
    event = AuditEvent.objects.get(action=AuditEvent.Action.INCIDENT_ATTACHMENT_ADDED)
    assert event.data == {"kind": sample.kind, "size": len(stored)}
    assert list(scratch.iterdir()) == []


def test_the_planted_words_are_in_the_originals(samples):
    # So that finding none of them in a stored file means something.
    for name in ("mp4", "mov", "iphone", "webm", "mkv", "mp3", "m4a", "opus", "wav"):
        assert [word for word in PLANTED if word in samples[name].data], name
    assert ANDROID_LOCATION.encode() in samples["mp4"].data
    assert b"\xa9xyz" in samples["mov"].data and b"com.apple.quicktime.location" in samples["iphone"].data


def test_the_originals_carry_what_must_go(samples, tmp_path):
    def read(name):
        path = tmp_path / f"{name}.{samples[name].ext}"
        path.write_bytes(samples[name].data)
        return probe(path)

    assert ANDROID_LOCATION in read("mp4").metadata["location"]
    assert read("mp4").streams == ["Video", "Audio", "Subtitle"]  # text with a place in it
    assert read("mkv").streams == ["Video", "Audio", "Attachment"]
    assert read("mp3").streams == ["Audio", "Video"]  # the cover picture


def test_a_portrait_video_stays_upright(world: World, samples, tmp_path):
    original = tmp_path / "iphone.mov"
    original.write_bytes(samples["iphone"].data)
    assert probe(original).rotation == "90.00"
    attachment = upload(world, samples["iphone"].data, "IMG_0002.MOV")
    assert probe(stored_path(attachment)).rotation == "90.00"


def test_the_stored_mp4_starts_with_its_index(world: World, samples):
    # moov before mdat: the desk can play it while it is still loading.
    stored = stored_path(upload(world, samples["mp4"].data, "clip.mp4")).read_bytes()
    assert 0 < stored.find(b"moov") < stored.find(b"mdat")


def test_the_same_recording_is_stored_as_the_same_bytes(world: World, samples):
    incident = report(world)
    first = upload(world, samples["webm"].data, "a.webm", incident)
    second = upload(world, samples["webm"].data, "b.webm", incident)
    assert first.sha256 == second.sha256 and first.file.name != second.file.name


def test_the_api_stores_clean_audio_and_reports_what_was_stored(client, world: World, samples):
    incident = report(world)
    sent = SimpleUploadedFile("voice.mp3", samples["mp3"].data, content_type="audio/mpeg")
    response = client.post(
        f"/api/v1/incidents/{incident.pk}/attachments", {"file": sent}, headers=bearer(world.admin_a)
    )
    assert response.status_code == 201, response.content
    body = response.json()
    stored = stored_path(IncidentAttachment.objects.get()).read_bytes()
    assert body["content_type"] == "audio/mpeg" and body["kind"] == "audio"
    assert (body["size"], body["sha256"]) == (len(stored), hashlib.sha256(stored).hexdigest())
    assert body["sha256"] != hashlib.sha256(samples["mp3"].data).hexdigest()
    assert [word for word in PLANTED if word in stored] == []
