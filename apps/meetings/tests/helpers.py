"""A meeting for the tests, planned through the service as the desk plans it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from apps.core.actors import SYSTEM
from apps.meetings.models import Meeting
from apps.meetings.services import save_meeting


def meeting_data(**overrides) -> dict:
    start = (timezone.now() + dt.timedelta(days=7)).replace(second=0, microsecond=0)
    data = {
        "kind": Meeting.Kind.INFORMATION_EVENING,
        "title": "Infoavond buurtpreventie",
        "place": "Gemeentehuis, Markt 1, Testdorp",
        "lat": 50.755,
        "lon": 5.31,
        "starts_at": start,
        "ends_at": start + dt.timedelta(hours=2),
        "description": "Uitleg over WhatsApp-buurtpreventie.",
        "capacity": 2,
    }
    data.update(overrides)
    return data


def plan(municipality, actor=SYSTEM, **overrides) -> Meeting:
    return save_meeting(actor=actor, municipality=municipality, data=meeting_data(**overrides))
