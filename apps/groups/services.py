"""Write paths for groups, their admins, and requests to start a group."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import PUBLIC, account_of
from apps.messaging.services import queue_email
from apps.municipalities.permissions import require_municipality

from .models import Group, GroupAdmin, GroupRequest


def _unique_slug(name: str, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:70] or "groep"
    slug, n = base, 2
    while Group.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def save_group(
    *,
    actor,
    municipality,
    area,
    name: str,
    status: str,
    capacity: int,
    invite_link: str = "",
    public_description: str = "",
    group: Group | None = None,
) -> Group:
    require_municipality(actor, municipality)
    if area.municipality_id != municipality.pk:
        raise ValidationError({"area": _("The area belongs to another municipality.")})
    if not 2 <= capacity <= settings.BUURTWACHT_MAX_GROUP_CAPACITY:
        raise ValidationError(
            {"capacity": _("Capacity must be between 2 and %(max)d.") % {"max": settings.BUURTWACHT_MAX_GROUP_CAPACITY}}
        )
    creating = group is None
    if not creating:
        current = group.members.current().count()
        if capacity < current:
            raise ValidationError({"capacity": _("The group already has %(count)d members.") % {"count": current}})
    group = group or Group(municipality=municipality)
    group.municipality = municipality
    group.area = area
    group.name = name.strip()
    group.status = status
    group.capacity = capacity
    group.invite_link = invite_link.strip()
    group.public_description = public_description.strip()
    if creating:
        group.slug = _unique_slug(group.name)
    group.full_clean()
    group.save()
    record(
        actor,
        AuditEvent.Action.GROUP_CREATED if creating else AuditEvent.Action.GROUP_UPDATED,
        group,
        group_id=group.pk,
        status=status,
        capacity=capacity,
    )
    return group


@transaction.atomic
def appoint_admin(*, actor, group: Group, user, role: str = GroupAdmin.Role.ADMIN) -> GroupAdmin:
    require_municipality(actor, group.municipality)
    admin, _created = GroupAdmin.objects.update_or_create(group=group, user=user, defaults={"role": role})
    record(actor, AuditEvent.Action.GROUP_ADMIN_APPOINTED, group, group_id=group.pk, user_id=user.pk, role=role)
    return admin


@transaction.atomic
def remove_admin(*, actor, group: Group, user) -> None:
    require_municipality(actor, group.municipality)
    GroupAdmin.objects.filter(group=group, user=user).delete()
    record(actor, AuditEvent.Action.GROUP_ADMIN_REMOVED, group, group_id=group.pk, user_id=user.pk)


@transaction.atomic
def submit_group_request(
    *,
    municipality,
    full_name: str,
    email: str,
    phone: str,
    postcode: str,
    house_number: str,
    street: str = "",
    lat=None,
    lon=None,
    wants_to_be_admin: bool = False,
    message: str = "",
) -> GroupRequest:
    request = GroupRequest.objects.create(
        municipality=municipality,
        full_name=full_name.strip(),
        email=email.strip(),
        phone=phone,
        postcode=postcode,
        house_number=house_number,
        street=street,
        lat=lat,
        lon=lon,
        wants_to_be_admin=wants_to_be_admin,
        message=message.strip(),
    )
    record(PUBLIC, AuditEvent.Action.GROUP_REQUEST_SUBMITTED, request, municipality_id=municipality.pk)
    recipients = {c.user.email for c in municipality.coordinators.select_related("user") if c.user.email}
    if municipality.contact_email:
        recipients.add(municipality.contact_email)
    for address in sorted(recipients):
        queue_email(
            to=address,
            subject=_("Request to start a neighbourhood-watch group"),
            body=_(
                "A resident asks to start a group near %(postcode)s %(number)s.\n\n"
                "Open the coordinator's page to read and answer the request:\n%(url)s"
            )
            % {
                "postcode": postcode,
                "number": house_number,
                "url": settings.BUURTWACHT_SITE_URL + reverse("staff:group_request_detail", args=[request.pk]),
            },
            topic="group_request.new",
            dedupe_key=f"group_request:{request.pk}:coordinator:{address}",
            municipality_id=municipality.pk,
        )
    queue_email(
        to=request.email,
        subject=_("We received your request to start a group"),
        body=_(
            "Dear %(name)s,\n\nThank you for offering to start a neighbourhood-watch group. "
            "The municipality of %(municipality)s will contact you."
        )
        % {"name": request.full_name, "municipality": municipality.name},
        topic="group_request.received",
        dedupe_key=f"group_request:{request.pk}:received",
        municipality_id=municipality.pk,
    )
    return request


@transaction.atomic
def decide_group_request(
    *, actor, request: GroupRequest, approve: bool, note: str = "", group: Group | None = None
) -> GroupRequest:
    require_municipality(actor, request.municipality)
    locked = GroupRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != GroupRequest.Status.OPEN:
        raise ValidationError(_("This request was already answered."))
    locked.status = GroupRequest.Status.APPROVED if approve else GroupRequest.Status.DECLINED
    locked.decided_by = account_of(actor)
    locked.decided_at = timezone.now()
    locked.decision_note = note.strip()
    locked.group = group
    locked.save()
    record(actor, AuditEvent.Action.GROUP_REQUEST_DECIDED, locked, approved=approve)
    if approve:
        body = _("Dear %(name)s,\n\nThe municipality agrees to start a group near your address.") % {
            "name": locked.full_name
        }
    else:
        body = _("Dear %(name)s,\n\nThe municipality cannot start a group near your address now.") % {
            "name": locked.full_name
        }
    if locked.decision_note:
        body += "\n\n" + locked.decision_note
    queue_email(
        to=locked.email,
        subject=_("Your request to start a group"),
        body=body,
        topic="group_request.decided",
        dedupe_key=f"group_request:{locked.pk}:decided",
        municipality_id=locked.municipality_id,
    )
    return locked
