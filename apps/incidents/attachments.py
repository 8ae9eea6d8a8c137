"""Attachments of incidents: photos, videos and audio.

The type is read from the first bytes of the content (magic numbers), never from the name or
the browser's content type, so a renamed executable is refused. The size is checked against
the kind's limit before the content is read. Images are decoded and written anew without
their metadata (EXIF, GPS, XMP, text chunks), turned upright first; a file that does not decode
is refused. Video and audio are stored as sent: stripping their metadata needs a media tool
(ffmpeg) that is not a dependency.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

HEAD = 64


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


def strip_image(data: bytes) -> bytes:
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image)
            fmt = image.format
            if upright.mode not in ("RGB", "RGBA", "L", "LA"):
                upright = upright.convert("RGBA" if "transparency" in upright.info else "RGB")
            if fmt == "JPEG" and upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            # A new image from the pixels alone: no EXIF (GPS, camera, time), XMP, ICC or text.
            clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())
            out = io.BytesIO()
            if fmt == "JPEG":
                clean.save(out, format="JPEG", quality=90)
            elif fmt == "PNG":
                clean.save(out, format="PNG")
            else:
                clean.save(out, format="WEBP", quality=90)
            return out.getvalue()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError({"file": [_("This image is damaged or cannot be read.")]}) from exc


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
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError({"file": [_("The file is larger than it said it was.")]})
    if kind.kind == "image":
        data = strip_image(data)
    return Checked(kind=kind, data=data, sha256=hashlib.sha256(data).hexdigest())
