"""Who may import a group's members and follow the invited people: the group's admins and
co-admins and its municipality's coordinators (``managed_groups``); not the police."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.groups.permissions import managed_groups

from .models import Enrolment, EnrolmentImport


def imports_for(user) -> QuerySet:
    return EnrolmentImport.objects.filter(group__in=managed_groups(user))


def enrolments_for(user) -> QuerySet:
    return Enrolment.objects.filter(group__in=managed_groups(user))
