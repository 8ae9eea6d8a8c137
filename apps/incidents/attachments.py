"""Attachments of incidents: photos, videos and audio.

The type is read from the first bytes of the content (magic numbers), never from the name or
the browser's content type, so a renamed executable is refused. The size is checked against
the kind's limit before the content is read. Images are decoded and written anew without
their metadata (EXIF, GPS, XMP, text chunks), turned upright first; a file that does not decode
is refused. Video and audio are copied into a new container of the same type by ffmpeg (the
binary of the ``imageio-ffmpeg`` wheel, in its own process, with a time limit), keeping only the
video and audio streams, without tags, chapters, dates, GPS or data tracks; a file ffmpeg cannot
read cleanly is refused. See docs/adr/0012-attachment-metadata.md.
"""

from __future__ import annotations

import hashlib
import logging
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.core.images import strip_image

HEAD = 64
CHUNK = 1024 * 1024
# Seconds ffmpeg may take to copy one file. Copying without decoding takes a few seconds at most
# for the largest allowed video (docs/adr/0012-attachment-metadata.md); a file that takes longer
# is refused.
MEDIA_TIMEOUT = 60
# Of what ffmpeg says about a refused file, this much goes to the log.
LOG_LIMIT = 2000

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kind:
    kind: str  # image, video, audio
    mime: str
    ext: str


def sniff(head: bytes) -> Kind | None:
    if head.startswith(b"\xff\xd8\xff"):
        return Kind("image", "image/jpeg", "jpg")
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return Kind("image", "image/png", "png")
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Kind("image", "image/webp", "webp")
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B "):
            return Kind("audio", "audio/mp4", "m4a")
        if brand == b"qt  ":
            return Kind("video", "video/quicktime", "mov")
        if brand in (b"heic", b"heix", b"mif1"):
            return None  # HEIC photos: not decodable here; ask for JPEG
        return Kind("video", "video/mp4", "mp4")
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return Kind("video", "video/webm", "webm")
    if head.startswith(b"OggS"):
        return Kind("audio", "audio/ogg", "ogg")
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return Kind("audio", "audio/mpeg", "mp3")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return Kind("audio", "audio/wav", "wav")
    if head.startswith(b"#!AMR"):
        return Kind("audio", "audio/amr", "amr")
    return None


def limit_for(kind: str) -> int:
    return {
        "image": settings.BUURTWACHT_MAX_IMAGE,
        "audio": settings.BUURTWACHT_MAX_AUDIO,
        "video": settings.BUURTWACHT_MAX_VIDEO,
    }[kind]


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f}"


@dataclass
class Checked:
    kind: Kind
    data: bytes
    sha256: str


# Photos are checked and cleaned by apps.core.images (shared with street-sign photos).


def check(upload) -> Checked:
    """Read, check and clean an uploaded file (a Django UploadedFile or any object with
    ``size``, ``seek`` and ``read``). Raises ValidationError on ``file``."""
    size = getattr(upload, "size", None)
    if not size:
        raise ValidationError({"file": [_("The file is empty.")]})
    largest = max(settings.BUURTWACHT_MAX_IMAGE, settings.BUURTWACHT_MAX_AUDIO, settings.BUURTWACHT_MAX_VIDEO)
    if size > largest:
        raise ValidationError(
            {
                "file": [
                    _("The file is too large (%(size)s MB; at most %(limit)s MB).")
                    % {"size": _mb(size), "limit": _mb(largest)}
                ]
            }
        )
    upload.seek(0)
    head = upload.read(HEAD)
    kind = sniff(head)
    if kind is None:
        raise ValidationError(
            {
                "file": [
                    _(
                        "Only photos (JPEG, PNG, WebP), videos (MP4, MOV, WebM) and audio "
                        "(MP3, M4A, OGG, WAV, AMR) can be attached."
                    )
                ]
            }
        )
    limit = limit_for(kind.kind)
    if size > limit:
        raise ValidationError(
            {
                "file": [
                    _("The file is too large (%(size)s MB; at most %(limit)s MB).")
                    % {"size": _mb(size), "limit": _mb(limit)}
                ]
            }
        )
    upload.seek(0)
    if kind.kind == "image":
        data = upload.read(limit + 1)
        if len(data) > limit:
            raise ValidationError({"file": [_("The file is larger than it said it was.")]})
        data = strip_image(data)
    else:
        data = strip_media(upload, kind, head, limit)
    return Checked(kind=kind, data=data, sha256=hashlib.sha256(data).hexdigest())


@dataclass(frozen=True)
class Remux:
    demuxer: str  # ffmpeg's reader, forced: the content decides, never a name or a guess
    muxer: str  # ffmpeg's writer of the same type
    maps: tuple[str, ...]  # the streams kept
    options: tuple[str, ...] = ()


# Video: every video stream that is not a cover picture, and every audio stream. Audio: audio only
# (a cover picture in an MP3 or M4A is an image with its own metadata). Subtitles, data tracks
# (GPS logs of action and dash cameras, timed metadata) and attachments are left behind.
VIDEO_STREAMS = ("-map", "0:V?", "-map", "0:a?")
AUDIO_STREAMS = ("-map", "0:a")
# The index (moov) in front, so the desk can start playing before the whole file is in.
FASTSTART = ("-movflags", "+faststart")


def remux_for(kind: Kind, head: bytes) -> Remux:
    if kind.ext in ("mp4", "mov"):
        # A 3GP file (AMR audio, H.263 video) stays 3GP: the MP4 writer does not take those codecs.
        brand = head[8:12]
        muxer = kind.ext
        if kind.ext == "mp4" and brand[:3] in (b"3gp", b"3g2"):
            muxer = brand[:3].decode()
        return Remux("mov", muxer, VIDEO_STREAMS, FASTSTART)
    if kind.ext == "m4a":
        return Remux("mov", "ipod", AUDIO_STREAMS, FASTSTART)
    if kind.ext == "webm":
        # Matroska and WebM share their first bytes; a Matroska file keeps its codecs.
        return Remux("matroska", "webm" if b"webm" in head else "matroska", VIDEO_STREAMS)
    if kind.ext == "mp3":
        # An ID3v2 header without frames stays, so the file starts as an MP3 does; no ID3v1 tail.
        return Remux("mp3", "mp3", AUDIO_STREAMS, ("-id3v2_version", "4", "-write_id3v1", "0"))
    if kind.ext in ("ogg", "wav", "amr"):
        return Remux(kind.ext, kind.ext, AUDIO_STREAMS)
    raise ValueError(kind.ext)


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def _damaged(kind: Kind) -> ValidationError:
    if kind.kind == "video":
        return ValidationError({"file": [_("This video is damaged or cannot be read.")]})
    return ValidationError({"file": [_("This audio file is damaged or cannot be read.")]})


def strip_media(upload, kind: Kind, head: bytes, limit: int) -> bytes:
    """Copy a video or audio upload into a new file of the same type without its metadata.

    The streams are copied as they are (no decoding, no loss). ffmpeg runs as its own process
    on temporary files that are removed afterwards, whatever happens; any error it reports, or
    more than ``MEDIA_TIMEOUT`` seconds, refuses the file.
    """
    plan = remux_for(kind, head)
    with tempfile.TemporaryDirectory(prefix="buurtwacht-media-", dir=settings.FILE_UPLOAD_TEMP_DIR) as tmp:
        source = Path(tmp) / "in"
        target = Path(tmp) / f"out.{kind.ext}"
        errors = Path(tmp) / "errors.txt"
        copied = 0
        with source.open("wb") as out:
            while chunk := upload.read(CHUNK):
                copied += len(chunk)
                if copied > limit:
                    raise ValidationError({"file": [_("The file is larger than it said it was.")]})
                out.write(chunk)
        try:
            exe = ffmpeg_exe()
        except (ImportError, RuntimeError):
            log.exception("ffmpeg is missing: video and audio attachments are refused")
            raise ValidationError(
                {"file": [_("Video and audio files cannot be attached at the moment; try again later.")]}
            ) from None
        command = [
            exe,
            "-hide_banner",
            "-nostdin",
            "-loglevel",
            "error",
            "-protocol_whitelist",
            "file",
            "-f",
            plan.demuxer,
            "-i",
            str(source),
            *plan.maps,
            "-map_metadata",
            "-1",
            "-map_chapters",
            "-1",
            "-c",
            "copy",
            "-fflags",
            "+bitexact",
            *plan.options,
            "-f",
            plan.muxer,
            "-y",
            str(target),
        ]
        try:
            with errors.open("wb") as stderr:
                # A fixed argument list, no shell; the paths are our own temporary files.
                done = subprocess.run(  # noqa: S603
                    command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr, timeout=MEDIA_TIMEOUT
                )
        except subprocess.TimeoutExpired:
            log.warning("ffmpeg took more than %s s on a %s upload; refused", MEDIA_TIMEOUT, kind.mime)
            raise ValidationError(
                {"file": [_("This file could not be checked in time; send a shorter recording.")]}
            ) from None
        except OSError:
            log.exception("ffmpeg could not be started: video and audio attachments are refused")
            raise ValidationError(
                {"file": [_("Video and audio files cannot be attached at the moment; try again later.")]}
            ) from None
        with errors.open("rb") as said:
            complaint = said.read(LOG_LIMIT).decode("utf-8", "replace").strip()
        if done.returncode != 0 or complaint or not target.is_file():
            log.info("%s upload refused by ffmpeg (exit %s): %s", kind.mime, done.returncode, complaint)
            raise _damaged(kind)
        with target.open("rb") as result:
            if sniff(result.read(HEAD)) != kind:
                log.warning("%s upload came out of ffmpeg as another type; refused", kind.mime)
                raise _damaged(kind)
            result.seek(0)
            return result.read()
