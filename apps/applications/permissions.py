"""Applications are seen by whoever manages their group (``apps.groups.permissions``)."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.groups.permissions import managed_groups

from .models import Application


def applications_for(user) -> QuerySet:
    return Application.objects.filter(group__in=managed_groups(user))
