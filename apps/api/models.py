"""What the private API remembers of a create request, so the same request sent again (a retry
after a timeout, a double send) answers what the first one made instead of making it twice:
by the client's ``Idempotency-Key`` for 24 hours, else the same request within a minute (as the
broadcasts do, ADR 0025)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiRequest(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # What was created: "groups.create", "groups.admins.create", "police_zones.create".
    operation = models.CharField(max_length=40)
    # The client's Idempotency-Key, or empty.
    key = models.CharField(max_length=255, blank=True)
    # SHA-256 of the operation's input (and path), to refuse a key reused for another request.
    request_hash = models.CharField(max_length=64)
    # What it made: a group, a group admin's user or an invitation, a police zone.
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "operation", "key"], name="apirequest_key"),
            models.Index(fields=["user", "operation", "request_hash", "created_at"], name="apirequest_repeat"),
        ]

    def __str__(self) -> str:
        return f"{self.operation} by {self.user_id}"
