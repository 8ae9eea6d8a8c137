"""Photos uploaded by people: the pixel count read from the header before anything is decoded,
then the image written anew from its pixels alone, upright, without EXIF (GPS, camera, time),
XMP, ICC or text chunks. Used by incident attachments and street-sign photos (ADR 0012, 0026)."""

from __future__ import annotations

import io
import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# The photo types people's phones and cameras send that Pillow writes back as they came.
PHOTO_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def photo_type(head: bytes) -> str | None:
    """The extension of a JPEG, PNG or WebP photo from its first bytes (never from its name)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def too_many_pixels(limit: int, field: str = "file") -> ValidationError:
    return ValidationError(
        {
            field: [
                _("This photo has more than %(max)s million pixels; send a smaller one.")
                % {"max": f"{limit / 1_000_000:g}"}
            ]
        }
    )


def strip_image(data: bytes, field: str = "file") -> bytes:
    """The photo written anew without its metadata; a ValidationError on ``field`` for a photo
    with more than ``BUURTWACHT_MAX_IMAGE_PIXELS`` pixels or one that does not decode."""
    from PIL import Image, ImageOps

    limit = settings.BUURTWACHT_MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            # Pillow warns (and goes on) past its own count; here that is a refusal, like ours below.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
        with probe:
            # Opening reads the header only: the pixels it announces are counted before any is
            # decoded (a few KB of PNG can announce 13,000 x 13,000 of them, gigabytes to decode).
            width, height = probe.size
            if width * height > limit:
                raise too_many_pixels(limit, field)
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
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own count (``Image.MAX_IMAGE_PIXELS``), for what has more than one frame.
        raise too_many_pixels(limit, field) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValidationError({field: [_("This image is damaged or cannot be read.")]}) from exc
