"""Video and audio attachments: stored without tags, dates, GPS or extra tracks, still playable.

The files are made here by the same ffmpeg the application uses, with the metadata a phone or a
recorder writes, and read back the way ffprobe would (ffmpeg's description of its input).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import struct
import subprocess
import time
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.api.tests.utils import bearer
from apps.audit.models import AuditEvent
from apps.core.testing import World
from apps.incidents import attachments, services
from apps.incidents.models import IncidentAttachment

from .helpers import report

FFMPEG = attachments.ffmpeg_exe()
TITLE = "Inbraak Kerkstraat 12"
ARTIST = "Jan Janssens"
COMMENT = "Gefilmd vanaf mijn oprit"
LOCATION = "+50.7700+005.2500/"  # ISO 6709, as phones write it
ANDROID_LOCATION = "+51.2194+004.4025/"
TAGS = [
    *("-metadata", f"title={TITLE}"),
    *("-metadata", f"artist={ARTIST}"),
    *("-metadata", f"comment={COMMENT}"),
    *("-metadata", "creation_time=2026-05-01T10:00:00Z"),
    *("-metadata", "date=2026-05-01"),
    *("-metadata", f"location={LOCATION}"),
    *("-metadata", "make=PhoneMaker"),
    *("-metadata", "model=Pixel Test"),
]
APPLE_TAGS = [
    *("-metadata", f"com.apple.quicktime.location.ISO6709={LOCATION}"),
    *("-metadata", "com.apple.quicktime.make=Apple"),
    *("-metadata", "com.apple.quicktime.model=iPhone Test"),
    *("-metadata", "com.apple.quicktime.software=17.5"),
    *("-metadata", "com.apple.quicktime.creationdate=2026-05-01T12:00:00+0200"),
    *("-movflags", "use_metadata_tags"),
]
# Words planted in the files that must not be found anywhere in the stored bytes.
PLANTED = [
    b"Kerkstraat",
    b"Janssens",
    b"oprit",
    b"+50.77",
    b"+51.21",
    b"PhoneMaker",
    b"Pixel Test",
    b"iPhone",
    b"2026-05-01",
]
# What ffmpeg may still say about a stored file: the container's own fields.
HARMLESS = {"major_brand", "minor_version", "compatible_brands", "handler_name", "vendor_id", "encoder", "duration"}
VIDEO = ["-f", "lavfi", "-i", "testsrc=duration=1:size=64x48:rate=10"]
SOUND = ["-f", "lavfi", "-i", "sine=frequency=440:duration=1:sample_rate=16000"]
H264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]


def ffmpeg(*args: str | Path) -> None:
    done = subprocess.run(  # noqa: S603
        [FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


@dataclasses.dataclass
class Probe:
    metadata: dict[str, list[str]]
    streams: list[str]
    duration: float | None
    rotation: str | None


def probe(path: Path) -> Probe:
    """What ffmpeg reads from a file: its tags (of the file and of each stream; names in lower case),
    its streams, duration and display rotation."""
    done = subprocess.run(  # noqa: S603
        [FFMPEG, "-hide_banner", "-nostdin", "-i", str(path)], capture_output=True, text=True, timeout=60
    )
    metadata: dict[str, list[str]] = {}
    streams: list[str] = []
    duration = rotation = None
    block = None  # the indentation of the "Metadata:" line being read
    for line in done.stderr.splitlines():
        indent = len(line) - len(line.lstrip())
        text = line.strip()
        if block is not None and indent > block:
            key, _sep, value = text.partition(":")
            metadata.setdefault(key.strip().lower(), []).append(value.strip())
            continue
        block = None
        if text == "Metadata:":
            block = indent
        elif found := re.match(r"Stream #\d+:\d+\S*: (\w+):", text):
            streams.append(found.group(1))
        elif found := re.match(r"Duration: (\d+):(\d+):([\d.]+)", text):
            duration = int(found.group(1)) * 3600 + int(found.group(2)) * 60 + float(found.group(3))
        elif found := re.match(r"Display Matrix: rotation of (\S+) degrees", text):
            rotation = found.group(1)
    return Probe(metadata, streams, duration, rotation)


def plays(path: Path) -> bool:
    """Every frame and sample decodes without an error."""
    done = subprocess.run(  # noqa: S603
        [FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode == 0 and not done.stderr.strip()


def with_android_location(mp4: bytes, location: str) -> bytes:
    """Add the ``©xyz`` atom Android's recorder writes in ``moov/udta``. ffmpeg's MP4 writer puts
    ``moov`` last (without faststart), so it can grow without moving the samples."""
    offset, last = 0, None
    while offset < len(mp4):
        size, name = struct.unpack(">I4s", mp4[offset : offset + 8])
        last = (offset, size, name)
        offset += size
    assert last is not None and last[2] == b"moov" and offset == len(mp4)
    text = location.encode()
    xyz = struct.pack(">I4sHH", 12 + len(text), b"\xa9xyz", len(text), 0x15C7) + text
    udta = struct.pack(">I4s", 8 + len(xyz), b"udta") + xyz
    moov_at, moov_size, _name = last
    return mp4[:moov_at] + struct.pack(">I", moov_size + len(udta)) + mp4[moov_at + 4 :] + udta


@dataclasses.dataclass
class Sample:
    name: str
    data: bytes
    kind: str
    mime: str
    ext: str
    streams: list[str]  # what the stored file has
    planted: set[str]  # tags ffmpeg finds in the original


def make_samples(folder: Path) -> dict[str, Sample]:
    samples = {}

    def add(name, path, kind, mime, ext, streams, planted):
        samples[name] = Sample(name, Path(path).read_bytes(), kind, mime, ext, streams, planted)

    # An Android-like MP4: H.264 and AAC, tags, 3GPP location box, ©xyz in udta, a subtitle track.
    srt = folder / "words.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:00,900\nInbraak Kerkstraat 12\n")
    ffmpeg(
        *VIDEO, *SOUND, "-i", srt, "-map", "0", "-map", "1", "-map", "2", *H264, "-c:a", "aac", "-c:s", "mov_text",
        *TAGS, folder / "phone.mp4",
    )  # fmt: skip
    android = with_android_location((folder / "phone.mp4").read_bytes(), ANDROID_LOCATION)
    (folder / "android.mp4").write_bytes(android)
    add("mp4", folder / "android.mp4", "video", "video/mp4", "mp4", ["Video", "Audio"],
        {"title", "artist", "comment", "creation_time", "location", "date"})  # fmt: skip
    # QuickTime as cameras write it: ©xyz, ©mak, ©mod, creation time.
    ffmpeg(*VIDEO, *SOUND, *H264, "-c:a", "aac", *TAGS, "-f", "mov", folder / "camera.mov")
    add("mov", folder / "camera.mov", "video", "video/quicktime", "mov", ["Video", "Audio"],
        {"title", "artist", "location", "make", "model", "creation_time"})  # fmt: skip
    # An iPhone-like MOV: Apple's keyed metadata (location, make, model, software, date), portrait.
    ffmpeg(*VIDEO, *SOUND, *H264, "-c:a", "aac", "-f", "mov", folder / "plain.mov")
    ffmpeg("-display_rotation:v:0", "90", "-i", folder / "plain.mov", "-c", "copy", *APPLE_TAGS, folder / "iphone.mov")
    add("iphone", folder / "iphone.mov", "video", "video/quicktime", "mov", ["Video", "Audio"],
        {"com.apple.quicktime.location.iso6709", "com.apple.quicktime.make", "com.apple.quicktime.model"})  # fmt: skip
    # 3GP as older phones record: H.263 and AMR-NB.
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc=duration=1:size=176x144:rate=10", *SOUND, "-c:v", "h263",
        "-c:a", "libopencore_amrnb", "-ar", "8000", "-ac", "1", *TAGS, "-f", "3gp", folder / "old.3gp",
    )  # fmt: skip
    add("3gp", folder / "old.3gp", "video", "video/mp4", "mp4", ["Video", "Audio"], {"location", "creation_time"})
    # WebM as a browser records it: VP8 and Opus.
    ffmpeg(
        *VIDEO, *SOUND, "-c:v", "libvpx", "-deadline", "realtime", "-c:a", "libopus", *TAGS,
        folder / "browser.webm",
    )  # fmt: skip
    add("webm", folder / "browser.webm", "video", "video/webm", "webm", ["Video", "Audio"],
        {"title", "artist", "comment", "location"})  # fmt: skip
    # Matroska (same first bytes as WebM) with a file attached to it.
    notes = folder / "notes.txt"
    notes.write_text("Jan Janssens, Kerkstraat 12")
    ffmpeg(
        *VIDEO, *SOUND, *H264, "-c:a", "aac", "-attach", notes, "-metadata:s:t", "mimetype=text/plain", *TAGS,
        folder / "export.mkv",
    )  # fmt: skip
    add("mkv", folder / "export.mkv", "video", "video/webm", "webm", ["Video", "Audio"], {"title", "artist"})
    # MP3 with ID3v2 and ID3v1 tags and a cover picture.
    cover = folder / "cover.png"
    ffmpeg("-f", "lavfi", "-i", "color=c=red:size=16x16", "-frames:v", "1", cover)
    ffmpeg(
        *SOUND, "-i", cover, "-map", "0", "-map", "1", "-c:a", "libmp3lame", "-b:a", "32k", "-c:v", "copy",
        "-disposition:v", "attached_pic", "-write_id3v1", "1", *TAGS, folder / "voice.mp3",
    )  # fmt: skip
    add("mp3", folder / "voice.mp3", "audio", "audio/mpeg", "mp3", ["Audio"], {"title", "artist", "comment", "date"})
    # M4A (AAC) as a phone's voice recorder writes it.
    ffmpeg(*SOUND, "-c:a", "aac", "-b:a", "32k", *TAGS, "-f", "ipod", folder / "memo.m4a")
    add("m4a", folder / "memo.m4a", "audio", "audio/mp4", "m4a", ["Audio"], {"title", "artist", "creation_time"})
    # Ogg with Opus (WhatsApp voice notes) and with Vorbis.
    ffmpeg(*SOUND, "-c:a", "libopus", "-b:a", "16k", *TAGS, "-f", "ogg", folder / "note.opus")
    add("opus", folder / "note.opus", "audio", "audio/ogg", "ogg", ["Audio"], {"title", "artist", "location"})
    ffmpeg(*SOUND, "-c:a", "libvorbis", *TAGS, "-f", "ogg", folder / "note.ogg")
    add("vorbis", folder / "note.ogg", "audio", "audio/ogg", "ogg", ["Audio"], {"title", "artist", "location"})
    # WAV with a LIST/INFO chunk.
    ffmpeg(*SOUND, "-c:a", "pcm_s16le", *TAGS, folder / "raw.wav")
    add("wav", folder / "raw.wav", "audio", "audio/wav", "wav", ["Audio"], {"title", "artist", "comment"})
    # AMR-NB: the format has no tags, it must come through all the same.
    ffmpeg(*SOUND, "-c:a", "libopencore_amrnb", "-ar", "8000", "-ac", "1", "-f", "amr", folder / "call.amr")
    add("amr", folder / "call.amr", "audio", "audio/amr", "amr", ["Audio"], set())
    return samples


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> dict[str, Sample]:
    return make_samples(tmp_path_factory.mktemp("media"))


@pytest.fixture(autouse=True)
def scratch(settings, tmp_path) -> Path:
    """The attachment store, and the temporary folder ffmpeg works in (empty after each upload)."""
    settings.BUURTWACHT_ATTACHMENT_DIR = tmp_path / "store"
    folder = tmp_path / "scratch"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    return folder


def upload(world: World, data: bytes, name: str = "upload.bin", incident=None) -> IncidentAttachment:
    return services.add_attachment(
        actor=world.admin_a, incident=incident or report(world), upload=SimpleUploadedFile(name, data)
    )


def refused(world: World, data: bytes, name: str = "upload.bin") -> str:
    incident = report(world)
    with pytest.raises(ValidationError) as caught:
        upload(world, data, name, incident)
    assert not IncidentAttachment.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.INCIDENT_ATTACHMENT_ADDED).exists()
    return " ".join(caught.value.messages)


def stored_path(attachment: IncidentAttachment) -> Path:
    return Path(attachment.file.path)


NAMES = ["mp4", "mov", "iphone", "3gp", "webm", "mkv", "mp3", "m4a", "opus", "vorbis", "wav", "amr"]


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
