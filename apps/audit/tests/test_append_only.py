"""Audit events cannot be changed or deleted through the ORM."""

import pytest
from django.core.exceptions import PermissionDenied

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import SYSTEM


@pytest.mark.django_db
def test_events_are_append_only():
    event = record(SYSTEM, AuditEvent.Action.GROUP_CREATED, None, municipality_id=1)
    event.data = {"changed": True}
    with pytest.raises(PermissionDenied):
        event.save()
    with pytest.raises(PermissionDenied):
        event.delete()
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.all().update(action="x")
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().data == {}
