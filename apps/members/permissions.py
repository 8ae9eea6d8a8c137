"""Members are seen by whoever manages their group (``apps.groups.permissions``); never by the
police."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.groups.permissions import managed_groups

from .models import Member


def members_for(user) -> QuerySet:
    return Member.objects.filter(group__in=managed_groups(user))
