"""The demo holds a coming information evening and a past admins' meeting with its minutes."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import timezone

from apps.demo import load
from apps.meetings.models import Meeting

pytestmark = pytest.mark.django_db


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
def test_the_demo_has_an_evening_to_come_and_a_meeting_with_minutes():
    load.load()
    evening = Meeting.objects.get(kind=Meeting.Kind.INFORMATION_EVENING)
    assert evening.municipality.slug == "heerlo" and evening.starts_at > timezone.now()
    assert evening.state == Meeting.State.PLANNED and evening.capacity == 60
    assert evening.participants.filter(answer="invited").exists()
    past = Meeting.objects.get(kind=Meeting.Kind.ADMINS_MEETING)
    assert past.ends_at < timezone.now()
    assert past.minutes and past.attendance_count == past.participants.filter(answer="yes").count() > 0
    load.reset()
    assert not Meeting.objects.exists()
