"""The Django admin is for operators (superusers) only, and the audit trail stays read-only."""

import pytest


@pytest.mark.parametrize(
    "path",
    [
        "/django-admin/",
        "/django-admin/municipalities/municipality/",
        "/django-admin/accounts/user/",
        "/django-admin/accounts/apitoken/",
        "/django-admin/audit/auditevent/",
        "/django-admin/geocoding/geocoderchoice/",
        "/django-admin/signs/streetsign/",
    ],
)
def test_operator_pages_open_for_superusers_only(client, world, path):
    client.force_login(world.superuser)
    assert client.get(path).status_code == 200
    client.force_login(world.coordinator)
    assert client.get(path).status_code == 302  # to the admin's login: staff status needed


def test_audit_events_cannot_be_added_or_changed_in_the_admin(client, world):
    from apps.audit.models import AuditEvent

    event = AuditEvent.objects.first()
    client.force_login(world.superuser)
    assert client.get("/django-admin/audit/auditevent/add/").status_code == 403
    response = client.post(f"/django-admin/audit/auditevent/{event.pk}/change/", {"action": "x"})
    assert response.status_code == 403
