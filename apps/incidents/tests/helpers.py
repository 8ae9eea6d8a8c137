from __future__ import annotations

import datetime as dt

from django.utils import timezone

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
    overrides.setdefault("group_id", world.group_a.pk if actor == world.admin_a else None)
    return services.create_incident(actor=actor, data=incident_data(**overrides))
