from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from PIL import Image

from apps.incidents import services


def incident_data(**overrides) -> dict:
    data = {
        "category": "suspicious_vehicle",
        "occurred_at": timezone.now() - dt.timedelta(minutes=20),
        "police_called": True,
        "lat": 50.755,
        "lon": 5.31,
        "address": "Noordstraat 1",
        "text": "Wagen rijdt traag door de straat en stopt aan elke oprit.",
        "vehicle_colour": "grijs",
        "vehicle_make": "Volkswagen",
        "vehicle_type": "bestelwagen",
        "vehicle_plate": "1abc123",
        "person_clothing": "donkere jas",
    }
    data.update(overrides)
    return data


def report(world, actor=None, **overrides):
    actor = actor or world.admin_a
    overrides.setdefault("group", world.group_a.pk if actor == world.admin_a else None)
    return services.create_incident(actor=actor, data=incident_data(**overrides))


def jpeg_with_gps() -> bytes:
    """A photo as a phone takes it: with the camera's make and the place in its EXIF data."""
    image = Image.new("RGB", (40, 30), (200, 10, 10))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = {1: "N", 2: (50.0, 45.0, 18.0), 3: "E", 4: (5.0, 18.0, 36.0)}
    exif[0x8825] = gps  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()
