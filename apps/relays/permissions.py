"""Relays are seen by whoever sees their incident (``apps.incidents.permissions.incidents_for``)."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.incidents.permissions import incidents_for

from .models import Relay


def relays_for(user) -> QuerySet:
    return Relay.objects.filter(incident__in=incidents_for(user))
