"""Applications are seen by whoever manages their group (``apps.groups.permissions``), and only
once the applicant confirmed their e-mail address: an unconfirmed application (which may have
been sent in someone else's name) stays out of every list, count and page of the admins, as the
applicant's status page promises."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.groups.permissions import managed_groups

from .models import Application


def applications_for(user) -> QuerySet:
    return Application.objects.filter(group__in=managed_groups(user), confirmed_at__isnull=False)
