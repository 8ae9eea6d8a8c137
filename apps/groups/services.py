"""Write paths for groups, their admins, and requests to start a group."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import PUBLIC, account_of, is_person, is_system, require_actor
from apps.messaging.services import queue_email
from apps.municipalities.models import Municipality
from apps.municipalities.permissions import require_municipality

from .hooks import group_activated
from .languages import language_of
from .models import AdminInvitation, Group, GroupAdmin, GroupRequest
from .permissions import is_account_of, require_group

# What WhatsApp gives as a group's invite link: https://chat.whatsapp.com/<code>, sometimes with a
# tracking query (``?mode=...``) that is dropped.
_INVITE_LINK = re.compile(r"https://chat\.whatsapp\.com/([A-Za-z0-9]{1,64})/?(?:\?[^\s#]*)?")


def clean_invite_link(value: str) -> str:
    """The invite link as stored (``https://chat.whatsapp.com/<code>``), or a ValidationError on
    ``invite_link`` saying what a link looks like. An empty value stays empty."""
    value = (value or "").strip()
    if not value:
        return ""
    match = _INVITE_LINK.fullmatch(value)
    if match is None:
        raise ValidationError(
            {
                "invite_link": _(
                    "Enter the group's invite link as WhatsApp gives it, like https://chat.whatsapp.com/AbCdEf123456."
                )
            },
            code="invalid_invite_link",
        )
    return f"https://chat.whatsapp.com/{match.group(1)}"


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
    invite_link = clean_invite_link(invite_link)
    creating = group is None
    was_active = False
    if not creating:
        current = group.members.current().count()
        if capacity < current:
            raise ValidationError({"capacity": _("The group already has %(count)d members.") % {"count": current}})
        was_active = Group.objects.filter(pk=group.pk, status=Group.Status.ACTIVE).exists()
    group = group or Group(municipality=municipality)
    group.municipality = municipality
    group.area = area
    group.name = name.strip()
    group.status = status
    group.capacity = capacity
    group.invite_link = invite_link
    group.public_description = public_description.strip()
    if creating:
        group.slug = _unique_slug(group.name)
    group.full_clean()
    group.save()
    extra = {}
    if group.status == Group.Status.ACTIVE and not was_active:
        # The group is live: its members (of a forming group) are told, once, in this transaction.
        extra["members_told"] = group_activated(group, actor=actor)
    record(
        actor,
        AuditEvent.Action.GROUP_CREATED if creating else AuditEvent.Action.GROUP_UPDATED,
        group,
        group_id=group.pk,
        status=status,
        capacity=capacity,
        **extra,
    )
    return group


@transaction.atomic
def appoint_admin(*, actor, group: Group, user, role: str = GroupAdmin.Role.ADMIN) -> GroupAdmin:
    """Make ``user`` admin or co-admin of ``group`` at once, for a coordinator of its municipality.

    Appointing at once reaches only the accounts of the group's municipality
    (``permissions.accounts_of``: its coordinators and the admins of its groups, never the
    police): they hold a role there already. Anyone else (a police officer, someone of another
    municipality, an account without a role) is refused here with a ValidationError on ``user``
    (code ``invite_instead``) and is invited instead (``invitations.appoint_or_invite``): they
    see the group's members only once they accepted. ``SYSTEM`` (commands, data loads) is not
    limited. A pending invitation of the same person to this group is closed (withdrawn)."""
    require_municipality(actor, group.municipality)
    if role not in GroupAdmin.Role.values:
        raise ValidationError({"role": _("Choose a role.")}, code="invalid_choice")
    if not is_system(actor) and not is_account_of(user, group.municipality):
        raise ValidationError(
            {
                "user": ValidationError(
                    _(
                        "%(name)s is not an account of %(municipality)s, so they cannot be appointed at once: "
                        "they are invited and become admin only after accepting."
                    ),
                    code="invite_instead",
                    params={"name": user.display_name, "municipality": group.municipality.name},
                )
            }
        )
    admin, _created = GroupAdmin.objects.update_or_create(group=group, user=user, defaults={"role": role})
    closed = list(AdminInvitation.objects.pending().filter(group=group, user=user).values_list("pk", flat=True))
    if closed:
        AdminInvitation.objects.filter(pk__in=closed).update(
            status=AdminInvitation.Status.WITHDRAWN, answered_at=timezone.now()
        )
    extra = {"invitations_closed": closed} if closed else {}
    event = record(
        actor, AuditEvent.Action.GROUP_ADMIN_APPOINTED, group, group_id=group.pk, user_id=user.pk, role=role, **extra
    )
    _tell_role_change(actor, group, user, event, role=role)
    return admin


@transaction.atomic
def remove_admin(*, actor, group: Group, user) -> None:
    require_municipality(actor, group.municipality)
    removed = GroupAdmin.objects.filter(group=group, user=user).delete()[0]
    event = record(actor, AuditEvent.Action.GROUP_ADMIN_REMOVED, group, group_id=group.pk, user_id=user.pk)
    if removed:
        _tell_role_change(actor, group, user, event, role=None)


def _tell_role_change(actor, group: Group, user, event: AuditEvent, *, role: str | None) -> None:
    """Tell the person whose role a coordinator changed (appointed, role changed, removed), and
    the group's other admins, in each one's language. Not for changes by the system (data loads,
    an accepted registration tells its own people) or by the person themselves."""
    if not is_person(actor) or account_of(actor) == user:
        return
    others = [ga.user for ga in GroupAdmin.objects.filter(group=group).exclude(user=user).select_related("user")]
    values = {"group": group.name, "name": user.display_name, "by": actor.display_name}
    for person in [user, *others]:
        if not (person.is_active and person.email):
            continue
        with translation.override(language_of(person)):
            if person == user and role is None:
                subject = _("You are no longer an admin of %(group)s") % values
                body = _("%(by)s, coordinator, took away your role in %(group)s.") % values
            elif person == user:
                subject = _("You are now %(role)s of %(group)s") % {**values, "role": GroupAdmin.Role(role).label}
                body = _("%(by)s, coordinator, made you %(role)s of %(group)s.") % {
                    **values,
                    "role": GroupAdmin.Role(role).label,
                }
                body += "\n\n" + _("The group on the desk:") + "\n" + _desk_url("staff:group_detail", group.pk)
            elif role is None:
                subject = _("%(group)s: an admin was removed") % values
                body = _("%(by)s, coordinator, took away the role of %(name)s in %(group)s.") % values
            else:
                subject = _("%(group)s: %(name)s is now %(role)s") % {**values, "role": GroupAdmin.Role(role).label}
                body = _("%(by)s, coordinator, made %(name)s %(role)s of %(group)s.") % {
                    **values,
                    "role": GroupAdmin.Role(role).label,
                }
            queue_email(
                to=person.email,
                subject=subject,
                body=_("Dear %(person)s,") % {"person": person.display_name} + "\n\n" + body,
                topic="group.admin_changed",
                dedupe_key=f"group:{group.pk}:admin_changed:{event.pk}:to:{person.pk}",
                group_id=group.pk,
                municipality_id=group.municipality_id,
            )


def leaves_without_admin(group: Group, user) -> bool:
    """Whether taking ``user``'s role away leaves a group that takes applications without an
    admin: applications would then reach no one. The coordinator is warned before confirming."""
    if group.status == Group.Status.CLOSED:
        return False
    others = GroupAdmin.objects.filter(group=group).exclude(user=user)
    if others.filter(role=GroupAdmin.Role.ADMIN).exists():
        return False
    # Without another admin: taking away the admin, or the last co-admin, leaves no admin.
    is_admin = GroupAdmin.objects.filter(group=group, user=user, role=GroupAdmin.Role.ADMIN).exists()
    return is_admin or not others.exists()


@transaction.atomic
def set_invite_link(*, actor, group: Group, invite_link: str) -> bool:
    """An admin, co-admin or coordinator of the group sets its WhatsApp invite link (WhatsApp
    gives a new one whenever it is reset). True when it changed. The link itself is secret and
    stays out of the audit trail."""
    require_group(actor, group)
    link = clean_invite_link(invite_link)
    if not link:
        raise ValidationError({"invite_link": _("Enter the group's new invite link.")}, code="required")
    locked = Group.objects.select_for_update().get(pk=group.pk)
    if locked.invite_link == link:
        return False
    had_link = bool(locked.invite_link)
    locked.invite_link = link
    locked.save(update_fields=["invite_link"])
    group.invite_link = link
    record(
        actor,
        AuditEvent.Action.GROUP_INVITE_LINK_CHANGED,
        locked,
        group_id=locked.pk,
        municipality_id=locked.municipality_id,
        replaced=had_link,
    )
    return True


def _desk_url(name: str, *args) -> str:
    return settings.BUURTWACHT_SITE_URL + reverse(name, args=args)


@transaction.atomic
def step_down(*, actor, group: Group, successor=None) -> GroupAdmin | None:
    """An admin or co-admin leaves their role in ``group``: to ``successor`` (another admin or
    co-admin of the group, who becomes its admin and is told), or, without one, back to the
    coordinators of the municipality, who are told by e-mail. Returns the successor's role."""
    require_actor(actor)
    if not is_person(actor):
        raise PermissionDenied
    own = GroupAdmin.objects.select_for_update().filter(group=group, user=actor).first()
    if own is None:
        raise PermissionDenied
    handover = None
    if successor is not None:
        handover = GroupAdmin.objects.select_for_update().filter(group=group, user=successor).exclude(pk=own.pk).first()
        if handover is None:
            raise ValidationError(
                {"successor": _("Choose one of the group's other admins, or hand the group back to the coordinator.")},
                code="invalid_successor",
            )
    role, own_pk = own.role, own.pk
    own.delete()
    if handover is not None and handover.role != GroupAdmin.Role.ADMIN:
        handover.role = GroupAdmin.Role.ADMIN
        handover.save(update_fields=["role"])
    without_admin = not GroupAdmin.objects.filter(group=group, role=GroupAdmin.Role.ADMIN).exists()
    record(
        actor,
        AuditEvent.Action.GROUP_ADMIN_STEPPED_DOWN,
        group,
        group_id=group.pk,
        user_id=actor.pk,
        role=role,
        successor_id=handover.user_id if handover else None,
        without_admin=without_admin and group.status != Group.Status.CLOSED,
    )
    municipality = group.municipality
    values = {"name": actor.display_name, "group": group.name}
    if handover is not None:
        successor = handover.user
        if successor.email:
            with translation.override(language_of(successor)):
                queue_email(
                    to=successor.email,
                    subject=_("You are now the admin of %(group)s") % values,
                    body=_(
                        "Dear %(successor)s,\n\n%(name)s stepped down as admin of %(group)s and handed the "
                        "group to you: you are now its admin.\n\nThe group on the desk:\n%(url)s"
                    )
                    % {**values, "successor": successor.display_name, "url": _desk_url("staff:group_detail", group.pk)},
                    topic="group.admin_handover",
                    dedupe_key=f"group:{group.pk}:handover:{own_pk}:to:{handover.user_id}",
                    group_id=group.pk,
                    municipality_id=municipality.pk,
                )
        return handover
    for coordinator in municipality.coordinators.select_related("user").order_by("pk"):
        user = coordinator.user
        if not (user.is_active and user.email):
            continue
        with translation.override(language_of(user)):
            body = (
                _("%(name)s stepped down as admin of %(group)s and handed the group back to the municipality.") % values
            )
            if without_admin:
                body += "\n\n" + _("The group has no admin now: new applications reach no one. Appoint a new admin:")
            else:
                body += "\n\n" + _("The group's admins:")
            body += "\n" + _desk_url("staff:group_admins", group.pk)
            queue_email(
                to=user.email,
                subject=_("%(group)s: an admin stepped down") % values,
                body=body,
                topic="group.admin_stepped_down",
                dedupe_key=f"group:{group.pk}:stepped_down:{own_pk}:coordinator:{user.pk}",
                group_id=group.pk,
                municipality_id=municipality.pk,
            )
    return None


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
    language: str | None = None,
) -> GroupRequest:
    """Record a resident's request and tell the municipality, each coordinator in their own
    language and the municipality's contact address in the municipality's; the resident's receipt
    (and later the answer) in the language they asked in.

    The same request sent again while the first is open (a second tap, the form sent twice, the
    same person asking again next week) is that first request, with ``repeated`` set: nobody is
    told twice."""
    # The municipality's row is the lock: two identical requests at once make one.
    Municipality.objects.select_for_update().filter(pk=municipality.pk).first()
    email = email.strip()
    earlier = (
        GroupRequest.objects.filter(
            municipality=municipality,
            email__iexact=email,
            postcode=postcode,
            house_number=house_number,
            status=GroupRequest.Status.OPEN,
        )
        .order_by("created_at", "pk")
        .first()
    )
    if earlier is not None:
        earlier.repeated = True
        return earlier
    request = GroupRequest.objects.create(
        municipality=municipality,
        full_name=full_name.strip(),
        email=email,
        phone=phone,
        postcode=postcode,
        house_number=house_number,
        street=street,
        lat=lat,
        lon=lon,
        wants_to_be_admin=wants_to_be_admin,
        message=message.strip(),
        language=_language_code(language or translation.get_language()),
    )
    request.repeated = False
    record(PUBLIC, AuditEvent.Action.GROUP_REQUEST_SUBMITTED, request, municipality_id=municipality.pk)
    url = settings.BUURTWACHT_SITE_URL + reverse("staff:group_request_detail", args=[request.pk])
    recipients: dict[str, str] = {}
    if municipality.contact_email:
        recipients[municipality.contact_email] = municipality.language
    for coordinator in municipality.coordinators.select_related("user"):
        if coordinator.user.email:
            recipients[coordinator.user.email] = language_of(coordinator.user)
    for address in sorted(recipients):
        with translation.override(recipients[address]):
            queue_email(
                to=address,
                subject=_("Request to start a neighbourhood-watch group"),
                body=_(
                    "A resident asks to start a group near %(postcode)s %(number)s.\n\n"
                    "Open the coordinator's page to read and answer the request:\n%(url)s"
                )
                % {"postcode": postcode, "number": house_number, "url": url},
                topic="group_request.new",
                dedupe_key=f"group_request:{request.pk}:coordinator:{address}",
                municipality_id=municipality.pk,
            )
    with translation.override(request.language):
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


def _language_code(language: str | None) -> str:
    """One of the site's languages (``nl-be`` is ``nl``); the site's default otherwise."""
    codes = {code for code, _name in settings.LANGUAGES}
    base = (language or "").lower().split("-")[0]
    return base if base in codes else settings.LANGUAGE_CODE


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
    with translation.override(locked.language):
        _tell_requester(locked, approve)
    return locked


def _tell_requester(locked: GroupRequest, approve: bool) -> None:
    """The answer to a request to start a group, in the language the resident asked in."""
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
