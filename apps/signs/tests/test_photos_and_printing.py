"""The photo of a placed sign (checked and cleaned like incident photos) and the printable
poster and flyer with their QR codes."""

from __future__ import annotations

import io

import pytest
import segno
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image, ImageFile

from apps.incidents.tests.helpers import jpeg_with_gps
from apps.incidents.tests.test_attachment_pixels import huge_png
from apps.signs import services
from apps.signs.models import StreetSign
from apps.signs.printing import group_url, latin1, printable_pdf, sign_url
from testkit.world import World

from .helpers import IN_A, pdf_text, snapshot


@pytest.fixture(autouse=True)
def _photo_dir(settings, tmp_path):
    settings.BUURTWACHT_ATTACHMENT_DIR = tmp_path / "files"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def approved(world: World) -> StreetSign:
    sign = services.request_sign(actor=world.admin_a, group=world.group_a, road="Steenweg", **IN_A)
    return services.approve(actor=world.coordinator, sign=sign)


def stored_files(settings) -> list:
    root = settings.BUURTWACHT_ATTACHMENT_DIR
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_the_placement_photo_is_stored_without_exif_or_location(world: World, approved, settings):
    photo = SimpleUploadedFile("bord.jpg", jpeg_with_gps(), content_type="image/jpeg")
    sign = services.record_placement(
        actor=world.coordinator, sign=approved, placed_on=timezone.localdate(), photo=photo
    )
    assert sign.photo_type == "image/jpeg"
    with sign.photo.open("rb") as f:
        data = f.read()
    image = Image.open(io.BytesIO(data))
    assert image.size == (40, 30)
    assert not image.getexif()
    assert b"PhoneMaker" not in data
    assert len(stored_files(settings)) == 1


@pytest.mark.parametrize(
    "upload, message",
    [
        (lambda: SimpleUploadedFile("bord.jpg", b"MZ\x90\x00" + bytes(200)), "Only photos (JPEG, PNG, WebP)"),
        (lambda: SimpleUploadedFile("bord.png", huge_png()), "more than 50 million pixels"),
        (lambda: SimpleUploadedFile("bord.jpg", b"\xff\xd8\xff\xe0" + bytes(300)), "damaged or cannot be read"),
        (lambda: SimpleUploadedFile("leeg.jpg", b""), "empty"),
    ],
    ids=["not-an-image", "too-many-pixels", "broken-jpeg", "empty"],
)
def test_a_bad_photo_is_refused_and_nothing_changes(world: World, approved, settings, upload, message, monkeypatch):
    # Decoding pixels would be the failure for the pixel bomb: refused from its header alone.
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: pytest.fail("the pixels were decoded"))
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        services.record_placement(
            actor=world.coordinator, sign=approved, placed_on=timezone.localdate(), photo=upload()
        )
    assert message in " ".join(refused.value.message_dict["photo"])
    assert snapshot() == before
    assert stored_files(settings) == []


def test_a_photo_over_the_size_limit_is_refused_before_it_is_read(world: World, approved, settings):
    settings.BUURTWACHT_MAX_IMAGE = 2048
    before = snapshot()
    photo = SimpleUploadedFile("bord.jpg", jpeg_with_gps() + bytes(4096))
    with pytest.raises(ValidationError, match="too large"):
        services.record_placement(actor=world.coordinator, sign=approved, placed_on=timezone.localdate(), photo=photo)
    assert snapshot() == before
    assert stored_files(settings) == []


@pytest.mark.parametrize("kind, size", [("poster", (595.28, 841.89)), ("flyer", (419.53, 595.28))])
@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_the_poster_and_flyer_are_pdfs_with_the_group_the_municipality_and_the_url(world: World, kind, size, language):
    data = printable_pdf(world.group_a, kind=kind, language=language)
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert f"/MediaBox [0 0 {size[0]:.2f} {size[1]:.2f}]".encode() in data
    text = pdf_text(data)
    assert "Testdorp Noord" in text
    assert "Testdorp" in text
    assert "testserver/groepen/testdorp-noord/aanmelden/" in text
    # The rules in one line name the police number of the municipality (Belgium: 101, 112).
    assert "101" in text and "112" in text
    assert f"/Lang ({language})".encode() in data


def test_a_signs_poster_carries_the_signs_short_url(world: World):
    sign = services.request_sign(actor=world.admin_a, group=world.group_a, road="Steenweg", **IN_A)
    text = pdf_text(printable_pdf(world.group_a, kind="flyer", language="fr", sign=sign))
    assert f"testserver/b/{sign.token}/" in text
    assert "aanmelden" not in text


def test_the_codes_lead_where_they_say(world: World):
    sign = services.request_sign(actor=world.admin_a, group=world.group_a, road="Steenweg", **IN_A)
    assert group_url(world.group_a) == "http://testserver/groepen/testdorp-noord/aanmelden/"
    assert sign_url(sign) == f"http://testserver/b/{sign.token}/"
    # The token says nothing about the sign, its group or anyone: random, not its number.
    assert str(sign.pk) != sign.token and world.group_a.slug not in sign.token
    assert segno.make(sign_url(sign), error="m").designator  # a valid QR code can be made of it


def test_text_outside_latin1_is_printed_as_near_as_it_can(world: World):
    assert latin1("Café “Zuid” – Šibenik…") == 'Café "Zuid" - Sibenik...'
    world.group_a.name = "Groep Šibenik ✓"
    assert "Groep Sibenik ?" in pdf_text(printable_pdf(world.group_a, kind="poster", language="nl"))
