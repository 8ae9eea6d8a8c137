"""A photo's pixels are counted from its header before any is decoded: a few KB of PNG that
announce 13,000 x 13,000 pixels took a web process to 2 GB for half a minute."""

from __future__ import annotations

import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ImageFile

from apps.api.tests.utils import bearer
from apps.incidents import attachments
from apps.incidents.models import IncidentAttachment
from testkit.world import World

from .helpers import report


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_png(width: int = 13_000, height: int = 13_000) -> bytes:
    """A grey PNG whose header says ``width`` x ``height``, with the first rows of pixels only."""
    rows = zlib.compress((b"\x00" + bytes(width)) * 16, 9)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", rows) + _chunk(b"IEND", b"")


@pytest.fixture(autouse=True)
def _attachment_dir(settings, tmp_path):
    settings.BUURTWACHT_ATTACHMENT_DIR = tmp_path


@pytest.fixture
def no_decoding(monkeypatch):
    """Decoding pixels fails the test: the refusal must come from the header alone."""
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("the pixels were decoded"))


def test_a_png_announcing_169_million_pixels_is_refused_before_decoding(no_decoding):
    data = huge_png()
    assert len(data) < 30_000
    with pytest.raises(ValidationError) as refused:
        attachments.check(SimpleUploadedFile("foto.png", data))
    assert refused.value.message_dict == {"file": ["This photo has more than 50 million pixels; send a smaller one."]}


def test_the_pixel_limit_is_a_setting(settings, no_decoding):
    settings.BUURTWACHT_MAX_IMAGE_PIXELS = 1_000_000
    with pytest.raises(ValidationError, match="more than 1 million pixels"):
        attachments.check(SimpleUploadedFile("foto.png", huge_png(1001, 1000)))


def test_the_api_refuses_it_with_its_error_shape_and_stores_nothing(client, world: World, no_decoding):
    incident = report(world)
    response = client.post(
        f"/api/v1/incidents/{incident.pk}/attachments",
        {"file": SimpleUploadedFile("foto.png", huge_png(), content_type="image/png")},
        headers=bearer(world.admin_a),
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["file"]
    assert not IncidentAttachment.objects.exists()
