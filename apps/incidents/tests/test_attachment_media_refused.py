"""Video and audio attachments that are refused: damaged, truncated, not media at all, too slow
to check, or sent while ffmpeg is missing; nothing of them is stored or left behind.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.api.tests.utils import bearer
from apps.incidents import attachments, services
from apps.incidents.models import IncidentAttachment
from testkit.world import World

from .helpers import report
from .media_samples import VIDEO, Sample, ffmpeg, refused, scratch_folder, shared_samples


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> dict[str, Sample]:
    return shared_samples(tmp_path_factory)


@pytest.fixture(autouse=True)
def scratch(settings, tmp_path) -> Path:
    return scratch_folder(settings, tmp_path)


def test_a_truncated_video_is_refused(world: World, samples, scratch):
    data = samples["mp4"].data
    message = refused(world, data[: len(data) // 2], "clip.mp4")
    assert "This video is damaged or cannot be read." in message
    assert list(scratch.iterdir()) == []


def test_a_truncated_video_with_its_index_in_front_is_refused(world: World, samples, tmp_path, scratch):
    original, fast = tmp_path / "a.mp4", tmp_path / "fast.mp4"
    original.write_bytes(samples["mp4"].data)
    ffmpeg("-i", original, "-map", "0", "-c", "copy", "-movflags", "+faststart", fast)
    data = fast.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")
    assert "damaged" in refused(world, data[: len(data) * 2 // 3], "clip.mp4")
    assert list(scratch.iterdir()) == []


def test_a_truncated_webm_is_refused(world: World, samples):
    data = samples["webm"].data
    assert "This video is damaged" in refused(world, data[: len(data) // 2], "clip.webm")


def test_audio_that_only_starts_like_ogg_is_refused(world: World, scratch):
    message = refused(world, b"OggS\x00\x02" + b"\x00" * 100, "voice.opus")
    assert "This audio file is damaged or cannot be read." in message
    assert list(scratch.iterdir()) == []


def test_an_executable_behind_a_video_header_is_refused(world: World):
    elf = b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 8
    assert "damaged" in refused(world, b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + elf, "clip.mp4")


def test_a_renamed_executable_is_refused_before_ffmpeg_runs(world: World, monkeypatch):
    def never():
        raise AssertionError("ffmpeg started for a file that is no media")

    monkeypatch.setattr(attachments, "ffmpeg_exe", never)
    for name, data in (
        ("clip.mp4", b"\x7fELF\x02\x01\x01" + b"\x00" * 200),
        ("memo.m4a", b"MZ\x90\x00" + b"\x00" * 200),
    ):
        assert "Only photos" in refused(world, data, name)


def test_sound_without_audio_is_refused(world: World, tmp_path):
    # An Ogg file with only a (Theora) video stream: nothing of it is audio.
    path = tmp_path / "silent.ogg"
    ffmpeg(*VIDEO, "-c:v", "libtheora", "-f", "ogg", path)
    assert "This audio file is damaged" in refused(world, path.read_bytes(), "voice.ogg")


def test_a_file_that_takes_too_long_is_refused(world: World, samples, monkeypatch, tmp_path, scratch):
    slow = tmp_path / "slow-ffmpeg"
    slow.write_text("#!/bin/sh\nexec sleep 30\n")
    slow.chmod(0o755)
    monkeypatch.setattr(attachments, "ffmpeg_exe", lambda: str(slow))
    monkeypatch.setattr(attachments, "MEDIA_TIMEOUT", 0.5)
    started = time.monotonic()
    message = refused(world, samples["mp3"].data, "voice.mp3")
    assert "could not be checked in time" in message and time.monotonic() - started < 10
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize("failure", [RuntimeError("no ffmpeg binary"), ImportError("imageio_ffmpeg")])
def test_without_ffmpeg_media_is_refused_not_stored_as_sent(world: World, samples, monkeypatch, scratch, failure):
    def missing():
        raise failure

    monkeypatch.setattr(attachments, "ffmpeg_exe", missing)
    assert "cannot be attached at the moment" in refused(world, samples["m4a"].data, "memo.m4a")
    assert list(scratch.iterdir()) == []


def test_a_result_of_another_type_is_refused(world: World, samples, monkeypatch):
    plan = attachments.remux_for

    def wrong(kind, head):
        return dataclasses.replace(plan(kind, head), muxer="wav", options=())

    monkeypatch.setattr(attachments, "remux_for", wrong)
    assert "This audio file is damaged" in refused(world, samples["mp3"].data, "voice.mp3")


def test_a_file_longer_than_it_said_is_refused_while_copying(world: World, samples, settings, scratch):
    settings.BUURTWACHT_MAX_AUDIO = 2048
    data = samples["mp3"].data
    assert len(data) > 2048
    lying = SimpleUploadedFile("voice.mp3", data)
    lying.size = 1000
    with pytest.raises(ValidationError) as caught:
        services.add_attachment(actor=world.admin_a, incident=report(world), upload=lying)
    assert "larger than it said" in " ".join(caught.value.messages)
    assert not IncidentAttachment.objects.exists() and list(scratch.iterdir()) == []


def test_the_api_refuses_a_truncated_recording(client, world: World, samples):
    incident = report(world)
    data = samples["m4a"].data
    sent = SimpleUploadedFile("memo.m4a", data[: len(data) // 2], content_type="audio/mp4")
    response = client.post(
        f"/api/v1/incidents/{incident.pk}/attachments", {"file": sent}, headers=bearer(world.admin_a)
    )
    assert response.status_code == 400
    assert "This audio file is damaged or cannot be read." in str(response.json()["errors"]["file"])
    assert not IncidentAttachment.objects.exists()
