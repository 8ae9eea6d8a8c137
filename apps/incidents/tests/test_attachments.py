"""Attachments: type from the content, size limits before reading, image metadata removed.

Video and audio: test_attachment_media.py."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.incidents import services
from apps.incidents.models import IncidentAttachment
from testkit.world import World

from .helpers import jpeg_with_gps, report


@pytest.fixture(autouse=True)
def _attachment_dir(settings, tmp_path):
    settings.BUURTWACHT_ATTACHMENT_DIR = tmp_path


def test_photo_is_stored_without_its_gps_and_camera_data(world: World):
    data = jpeg_with_gps()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the original has a position
    incident = report(world)
    attachment = services.add_attachment(
        actor=world.admin_a, incident=incident, upload=SimpleUploadedFile("IMG_0001.jpg", data)
    )
    stored = attachment.file.open("rb").read()
    image = Image.open(io.BytesIO(stored))
    assert attachment.kind == "image" and attachment.content_type == "image/jpeg"
    assert not image.getexif() and b"PhoneMaker" not in stored and image.size == (40, 30)


def test_type_comes_from_the_content_not_the_name(world: World):
    png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(png, format="PNG")
    attachment = services.add_attachment(
        actor=world.admin_a, incident=report(world), upload=SimpleUploadedFile("scan.pdf", png.getvalue())
    )
    assert attachment.content_type == "image/png" and attachment.file.name.endswith(".png")


def test_a_renamed_executable_is_refused(world: World):
    exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200
    elf = b"\x7fELF\x02\x01\x01" + b"\x00" * 200
    incident = report(world)
    for name, data in (("photo.jpg", exe), ("video.mp4", elf)):
        with pytest.raises(ValidationError) as caught:
            services.add_attachment(actor=world.admin_a, incident=incident, upload=SimpleUploadedFile(name, data))
        assert "Only photos" in " ".join(caught.value.messages)
    assert not IncidentAttachment.objects.exists()


class HugeVideo:
    """A 500 MB upload that fails the test if more than its first bytes are read."""

    size = 500 * 1024 * 1024
    name = "night.mp4"

    def __init__(self):
        self.read_bytes = 0

    def seek(self, pos):
        pass

    def read(self, n=-1):
        if n < 0 or n > 64:
            raise AssertionError("read the whole file before refusing it")
        self.read_bytes += n
        return (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)[:n]


def test_a_500_mb_video_is_refused_by_its_size_before_reading(world: World):
    upload = HugeVideo()
    with pytest.raises(ValidationError) as caught:
        services.add_attachment(actor=world.admin_a, incident=report(world), upload=upload)
    assert "too large" in " ".join(caught.value.messages) and upload.read_bytes <= 64
    assert not IncidentAttachment.objects.exists()


def test_a_video_over_the_video_limit_is_refused_after_sniffing_only(world: World, settings):
    settings.BUURTWACHT_MAX_VIDEO = 10 * 1024 * 1024
    upload = HugeVideo()
    upload.size = 20 * 1024 * 1024
    with pytest.raises(ValidationError):
        services.add_attachment(actor=world.admin_a, incident=report(world), upload=upload)
    assert upload.read_bytes <= 64


def test_a_corrupt_image_is_refused(world: World):
    data = jpeg_with_gps()[:200]  # a JPEG header and then nothing
    with pytest.raises(ValidationError) as caught:
        services.add_attachment(actor=world.admin_a, incident=report(world), upload=SimpleUploadedFile("x.jpg", data))
    assert "damaged" in " ".join(caught.value.messages)
    assert not IncidentAttachment.objects.exists()
