"""Helpers of the staff desk tests: applications as residents send them, and a snapshot of
everything a desk action could change."""

from __future__ import annotations

from dataclasses import dataclass

from apps.applications import services as application_services
from apps.applications.forms import ApplicationForm
from apps.applications.models import Application
from apps.areas.models import Area
from apps.audit.models import AuditEvent
from apps.groups.models import Group, GroupAdmin, GroupRequest
from apps.members.models import Member
from apps.messaging.models import OutgoingMessage
from apps.municipalities.models import HouseRulesVersion
from testkit.world import application_data


def make_application(group: Group, address: dict, *, confirm: bool = True, **overrides) -> Application:
    """An application as a resident sends it through the public form (and confirms by e-mail)."""
    form = ApplicationForm(application_data(address, **overrides), country=group.municipality.country)
    assert form.is_valid(), form.errors
    application = application_services.submit(group, form.cleaned_data).application
    if confirm:
        application = application_services.confirm(application_services.confirmation_token(application))
    return application


def fail(message: OutgoingMessage, error: str = "mailbox unavailable") -> OutgoingMessage:
    OutgoingMessage.objects.filter(pk=message.pk).update(
        status=OutgoingMessage.Status.FAILED, attempts=8, last_error=error
    )
    message.refresh_from_db()
    return message


@dataclass
class Desk:
    """One of everything per group, so each role can be pointed at what is not theirs."""

    app_a: Application
    app_b: Application
    app_nl: Application
    member_a: Member
    member_b: Member
    member_nl: Member
    message_a: OutgoingMessage
    message_b: OutgoingMessage
    message_nl: OutgoingMessage
    request_testdorp: GroupRequest
    request_nl: GroupRequest
    admin_nl: object


VIEWS = (AuditEvent.Action.APPLICATION_VIEWED, AuditEvent.Action.MEMBERS_VIEWED)


def snapshot(*, ignore_views: bool = False) -> dict:
    """Everything a desk action may change, to prove a refused one changed nothing. With
    ``ignore_views`` the audit events of merely showing a page again are left out."""
    audit = AuditEvent.objects.exclude(action__in=VIEWS) if ignore_views else AuditEvent.objects.all()
    return {
        "applications": list(
            Application.objects.order_by("pk").values_list("pk", "status", "decided_at", "decision_reason")
        ),
        "members": list(Member.objects.order_by("pk").values_list("pk", "group_id", "left_at", "removal_note")),
        "groups": list(
            Group.objects.order_by("pk").values_list(
                "pk", "name", "status", "capacity", "area_id", "invite_link", "public_description"
            )
        ),
        "admins": list(GroupAdmin.objects.order_by("pk").values_list("pk", "group_id", "user_id", "role")),
        "areas": list(Area.objects.order_by("pk").values_list("pk", "name", "updated_at", "sub_municipality_id")),
        "requests": list(GroupRequest.objects.order_by("pk").values_list("pk", "status", "group_id")),
        "rules": list(HouseRulesVersion.objects.order_by("pk").values_list("pk", "version")),
        "messages": list(OutgoingMessage.objects.order_by("pk").values_list("pk", "status")),
        "audit": audit.count(),
    }
