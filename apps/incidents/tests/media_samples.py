"""Video and audio samples for the attachment tests, made by the same ffmpeg the application uses
with the metadata a phone or a recorder writes, and read back the way ffprobe would (ffmpeg's
description of its input); plus the upload helpers the media tests share."""

from __future__ import annotations

import dataclasses
import re
import struct
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.audit.models import AuditEvent
from apps.incidents import attachments, services
from apps.incidents.models import IncidentAttachment
from testkit.world import World

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


_made: dict[Path, dict[str, Sample]] = {}


def shared_samples(tmp_path_factory) -> dict[str, Sample]:
    """The samples, made once per test run however many modules use them."""
    base = tmp_path_factory.getbasetemp()
    if base not in _made:
        _made[base] = make_samples(tmp_path_factory.mktemp("media"))
    return _made[base]


def scratch_folder(settings, tmp_path) -> Path:
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
