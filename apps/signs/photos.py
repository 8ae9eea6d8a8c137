"""The photo of a placed sign: a JPEG, PNG or WebP within the image size limit
(``BUURTWACHT_MAX_IMAGE``), its pixels counted from the header before decoding
(``BUURTWACHT_MAX_IMAGE_PIXELS``), written anew without EXIF and location (ADR 0012, 0026)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.core.images import PHOTO_TYPES, photo_type, strip_image

FIELD = "photo"


@dataclass(frozen=True)
class Photo:
    data: bytes
    ext: str
    content_type: str


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f}"


def check_photo(upload) -> Photo:
    """Read, check and clean an uploaded photo. Raises ValidationError on ``photo``."""
    size = getattr(upload, "size", None)
    if not size:
        raise ValidationError({FIELD: [_("The file is empty.")]})
    limit = settings.BUURTWACHT_MAX_IMAGE
    if size > limit:
        raise ValidationError(
            {
                FIELD: [
                    _("The file is too large (%(size)s MB; at most %(limit)s MB).")
                    % {"size": _mb(size), "limit": _mb(limit)}
                ]
            }
        )
    upload.seek(0)
    ext = photo_type(upload.read(64))
    if ext is None:
        raise ValidationError({FIELD: [_("Only photos (JPEG, PNG, WebP) can be added to a sign.")]})
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError({FIELD: [_("The file is larger than it said it was.")]})
    return Photo(data=strip_image(data, field=FIELD), ext=ext, content_type=PHOTO_TYPES[ext])
