"""Invitations to become admin of a group: nobody outside the group's municipality becomes its
admin without saying yes.

A coordinator appoints the accounts of their municipality at once (``permissions.accounts_of``,
``services.appoint_admin``). Anyone else gets an invitation by e-mail (``appoint_or_invite``,
``invite_to_group``): a police officer, someone of another municipality, an account without a
role, and a person without an account, for whom ``invite_admin`` first makes one without a
password (``invite_user``). The e-mail holds a secret link, of which only the SHA-256 is stored
(ADR 0006). The person opens it logged in as the invited account (or, for an account without a
password yet, chooses its password on that page), sees the group, the municipality and what
being its admin means (they will see the members' personal data), and accepts or declines.
Only on acceptance does the ``GroupAdmin`` exist. An invitation is answered once, expires after
``BUURTWACHT_ADMIN_INVITATION_DAYS``, and the coordinators of the municipality may withdraw it
while it waits. Each step is an audit event (invited, accepted, declined, withdrawn).
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.accounts.services import (
    EMAIL_MAX_LENGTH,
    NAME_MAX_LENGTH,
    split_name,
    username_from_email,
)
from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import PUBLIC, is_person, require_actor
from apps.core.phones import normalize_mobile
from apps.messaging.services import queue_email
from apps.municipalities.models import Coordinator, PoliceOfficer
from apps.municipalities.permissions import require_municipality

from .languages import language_of
from .models import AdminInvitation, Group, GroupAdmin
from .permissions import is_account_of
from .services import appoint_admin


def _clean_invitation(municipality, full_name: str, email: str, phone: str) -> tuple[str, str, str]:
    """Check every field at once, so the coordinator sees all mistakes together."""
    User = get_user_model()
    errors: dict[str, list] = {}
    name = " ".join((full_name or "").split())
    if not name:
        errors["full_name"] = [ValidationError(_("Enter the full name of the new admin."), code="required")]
    elif len(name) > NAME_MAX_LENGTH:
        errors["full_name"] = [
            ValidationError(
                _("The name is too long (at most %(max)d characters)."),
                code="max_length",
                params={"max": NAME_MAX_LENGTH},
            )
        ]

    address = User.objects.normalize_email((email or "").strip())
    if not address:
        errors["email"] = [ValidationError(_("Enter the e-mail address of the new admin."), code="required")]
    else:
        try:
            validate_email(address)
            if len(address) > EMAIL_MAX_LENGTH:
                raise ValidationError(_("Enter a valid e-mail address."), code="invalid")
        except ValidationError:
            errors["email"] = [ValidationError(_("Enter a valid e-mail address."), code="invalid")]
        else:
            existing = User.objects.filter(email__iexact=address).order_by("pk").first()
            if existing is not None and existing.is_active:
                errors["email"] = [
                    ValidationError(
                        _(
                            "An account with this e-mail address already exists (user name %(username)s). "
                            "Appoint that account as admin instead."
                        ),
                        code="exists",
                        params={"username": existing.get_username()},
                    )
                ]
            elif existing is not None:
                errors["email"] = [
                    ValidationError(
                        _(
                            "A switched-off account uses this e-mail address. "
                            "Ask the operators of Buurtwacht to switch it on again."
                        ),
                        code="exists_inactive",
                    )
                ]

    mobile = ""
    if not (phone or "").strip():
        errors["phone"] = [ValidationError(_("Enter the mobile phone number of the new admin."), code="required")]
    else:
        try:
            mobile = normalize_mobile(phone, default_region=municipality.country)
        except ValidationError as exc:
            errors["phone"] = exc.error_list
    if errors:
        raise ValidationError(errors)
    return name, address, mobile


@transaction.atomic
def invite_user(actor, municipality, full_name: str, email: str, phone: str):
    """Create a staff account for a person invited by a coordinator of ``municipality``.

    The account has no usable password: the person chooses one when they accept the invitation
    (``invite_admin``), or through "forgot your password". Refused (ValidationError on
    ``email``) when an account with this e-mail address exists: appoint that account instead.
    """
    require_municipality(actor, municipality)
    name, address, mobile = _clean_invitation(municipality, full_name, email, phone)
    User = get_user_model()
    first_name, last_name = split_name(name)
    user = User(
        username=username_from_email(address),
        email=address,
        first_name=first_name,
        last_name=last_name,
        phone=mobile,
        is_active=True,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    record(actor, AuditEvent.Action.USER_INVITED, user, municipality_id=municipality.pk, user_id=user.pk)
    return user


KEY_MAX_LENGTH = 100


def invitation_days() -> int:
    return settings.BUURTWACHT_ADMIN_INVITATION_DAYS


def invitation_url(key: str) -> str:
    return settings.BUURTWACHT_SITE_URL + reverse("staff:admin_invitation", args=[key])


def invitee_language(user, municipality) -> str:
    """The language the invitee is written to in: their own (``language_of``: their choice, else
    that of the municipality they work for); someone who works for none, such as a person whose
    account was just made, gets the inviting municipality's."""
    if user.language:
        return user.language
    has_role = (
        GroupAdmin.objects.filter(user=user).exists()
        or Coordinator.objects.filter(user=user).exists()
        or PoliceOfficer.objects.filter(user=user).exists()
    )
    return language_of(user) if has_role else municipality.language


def _check_role(role: str) -> None:
    if role not in GroupAdmin.Role.values:
        raise ValidationError({"role": ValidationError(_("Choose a role."), code="invalid_choice")})


def _send(invitation: AdminInvitation, key: str, actor, *, new_account: bool) -> None:
    group, user = invitation.group, invitation.user
    municipality = group.municipality
    days = invitation_days()
    with translation.override(invitation.language):
        role = GroupAdmin.Role(invitation.role).label
        inviter = actor.display_name if is_person(actor) else _("The municipality")
        values = {
            "name": user.display_name,
            "inviter": inviter,
            "municipality": municipality.name,
            "role": role,
            "group": group.name,
            "username": user.get_username(),
            "days": days,
            "url": invitation_url(key),
        }
        body = _(
            "Dear %(name)s,\n\n"
            "%(inviter)s of the municipality of %(municipality)s invites you to become %(role)s of the "
            "neighbourhood-watch group %(group)s on Buurtwacht.\n\n"
            "As %(role)s you see the personal data of the group's members and of the residents who apply "
            "(names, addresses, phone numbers and e-mail addresses), you approve applications "
            "and remove members who break the house rules. You become %(role)s only if you accept.\n\n"
        )
        if new_account:
            body += (
                _("Your user name is: %(username)s")
                + "\n\n"
                + _("Open the invitation to accept it and choose your password, or to decline it:")
            )
        else:
            body += _("Log in as %(username)s, then open the invitation to accept or decline it:")
        body += (
            "\n%(url)s\n\n"
            + ngettext(
                "The invitation is valid for %(days)d day.",
                "The invitation is valid for %(days)d days.",
                days,
            )
            + "\n\n"
            + _("Were you not expecting this? Then ignore this e-mail and let the municipality know.")
        )
        queue_email(
            to=user.email,
            subject=_("Invitation to become %(role)s of %(group)s on Buurtwacht") % values,
            body=body % values,
            # A person without an account yet: the topic of the account's first e-mail, as before.
            topic="account.invited" if new_account else "group.admin_invited",
            dedupe_key=f"group:{group.pk}:admin_invitation:{invitation.pk}",
            group_id=group.pk,
            municipality_id=municipality.pk,
        )


def _refuse(code: str, message: str):
    raise ValidationError({"user": ValidationError(message, code=code)})


def _invite(actor, group: Group, user, role: str, *, new_account: bool) -> AdminInvitation:
    municipality = group.municipality
    if not user.is_active:
        _refuse("inactive", _("This account is switched off."))
    if not user.email:
        _refuse("no_email", _("This account has no e-mail address, so no invitation can be sent to it."))
    if GroupAdmin.objects.filter(group=group, user=user, role=role).exists():
        _refuse("already_admin", _("%(name)s already has this role in the group.") % {"name": user.display_name})
    waiting = AdminInvitation.objects.select_for_update().pending().filter(group=group, user=user).first()
    if waiting is not None:
        if not waiting.is_expired:
            _refuse(
                "already_invited",
                _(
                    "%(name)s was already invited to this group and has not answered yet. "
                    "Withdraw that invitation first to send a new one."
                )
                % {"name": user.display_name},
            )
        waiting.status = AdminInvitation.Status.EXPIRED
        waiting.save(update_fields=["status"])
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = AdminInvitation.objects.create(
        group=group,
        user=user,
        role=role,
        key_hash=AdminInvitation.hash_key(key),
        language=invitee_language(user, municipality),
        invited_by=actor if is_person(actor) else None,
        created_at=now,
        expires_at=now + dt.timedelta(days=invitation_days()),
    )
    record(
        actor,
        AuditEvent.Action.GROUP_ADMIN_INVITED,
        invitation,
        municipality_id=municipality.pk,
        group_id=group.pk,
        user_id=user.pk,
        role=role,
        new_account=new_account,
    )
    _send(invitation, key, actor, new_account=new_account)
    return invitation


@transaction.atomic
def invite_to_group(*, actor, group: Group, user, role: str) -> AdminInvitation:
    """Invite an existing account to become admin or co-admin of ``group``: the invitation and its
    e-mail, in the invitee's language. Only the coordinators of the group's municipality (and
    operators, and the system) invite. Refused (ValidationError on ``user``) when the account
    already has this role in the group, or an earlier invitation of it to this group still waits."""
    require_municipality(actor, group.municipality)
    _check_role(role)
    return _invite(actor, group, user, role, new_account=False)


@transaction.atomic
def appoint_or_invite(*, actor, group: Group, user, role: str) -> GroupAdmin | AdminInvitation:
    """The desk's "appoint": an account of the group's municipality (``permissions.accounts_of``)
    is appointed at once; anyone else is invited and becomes admin only after accepting."""
    require_municipality(actor, group.municipality)
    _check_role(role)
    if is_account_of(user, group.municipality):
        return appoint_admin(actor=actor, group=group, user=user, role=role)
    return _invite(actor, group, user, role, new_account=False)


@transaction.atomic
def invite_admin(*, actor, group, full_name: str, email: str, phone: str, role: str) -> AdminInvitation:
    """Invite a person without an account as admin of ``group``: the account (without a password,
    ``invite_user``) and the invitation with its e-mail, in the municipality's language, in one
    transaction. They choose their password when they accept; declining leaves the account
    without a password and without a role."""
    municipality = group.municipality
    require_municipality(actor, municipality)
    _check_role(role)
    user = invite_user(actor, municipality, full_name, email, phone)
    return _invite(actor, group, user, role, new_account=True)


# --- the invitee ---------------------------------------------------------------------------------


def find_invitation(key: str) -> AdminInvitation | None:
    """The invitation of a link, or None for a link that never was one."""
    if not key or len(key) > KEY_MAX_LENGTH:
        return None
    return (
        AdminInvitation.objects.select_related("group", "group__municipality", "user", "invited_by")
        .filter(key_hash=AdminInvitation.hash_key(key))
        .first()
    )


def state_of(invitation: AdminInvitation) -> str:
    """``pending``, ``expired``, ``accepted``, ``declined`` or ``withdrawn``."""
    if invitation.is_expired:
        return AdminInvitation.Status.EXPIRED
    return invitation.status


def may_answer(actor, invitation: AdminInvitation) -> bool:
    """Whether ``actor`` answers this invitation: the invited account itself, logged in; or, for
    an account that has no password yet (made by the invitation), whoever holds the link, which
    was sent to its e-mail address only."""
    user = invitation.user
    if not user.is_active:
        return False
    if is_person(actor):
        return actor.pk == user.pk
    return actor is PUBLIC and not user.has_usable_password()


def _open_invitation(actor, key: str) -> AdminInvitation:
    """The invitation of ``key``, locked, when it can still be answered by ``actor``; otherwise a
    ValidationError saying why (code ``unknown``, ``expired``, ``accepted``, ``declined`` or
    ``withdrawn``) or PermissionDenied (another account)."""
    require_actor(actor)
    found = find_invitation(key)
    if found is None:
        raise ValidationError(
            _("This invitation link does not work. Check that you opened the whole link from the e-mail."),
            code="unknown",
        )
    invitation = (
        AdminInvitation.objects.select_for_update().select_related("group__municipality", "user").get(pk=found.pk)
    )
    state = state_of(invitation)
    if state == AdminInvitation.Status.EXPIRED:
        raise ValidationError(
            _("This invitation has expired. Ask the municipality to invite you again."), code="expired"
        )
    if state == AdminInvitation.Status.ACCEPTED:
        raise ValidationError(_("This invitation was already accepted."), code="accepted")
    if state == AdminInvitation.Status.DECLINED:
        raise ValidationError(_("This invitation was already declined."), code="declined")
    if state != AdminInvitation.Status.PENDING:
        raise ValidationError(_("The municipality withdrew this invitation."), code="withdrawn")
    if not may_answer(actor, invitation):
        raise PermissionDenied("not the invited account")
    return invitation


def _answered(invitation: AdminInvitation, status: str) -> None:
    invitation.status = status
    invitation.answered_at = timezone.now()
    invitation.save(update_fields=["status", "answered_at"])


@transaction.atomic
def accept_invitation(*, actor, key: str, password: str | None = None) -> GroupAdmin:
    """The invitee accepts: from now on they are admin (or co-admin) of the group. ``actor`` is the
    invited account, logged in; or ``PUBLIC`` with the new ``password`` for an account that has
    none yet (it is set in the same transaction). Anything else changes nothing."""
    invitation = _open_invitation(actor, key)
    user = invitation.user
    chose_password = False
    if not is_person(actor):
        if not password:
            raise ValidationError({"password": _("Choose a password.")}, code="required")
        try:
            password_validation.validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.error_list}) from exc
        user.set_password(password)
        user.save(update_fields=["password"])
        chose_password = True
    group = invitation.group
    admin, _created = GroupAdmin.objects.update_or_create(group=group, user=user, defaults={"role": invitation.role})
    _answered(invitation, AdminInvitation.Status.ACCEPTED)
    record(
        user,
        AuditEvent.Action.GROUP_ADMIN_INVITATION_ACCEPTED,
        invitation,
        municipality_id=group.municipality_id,
        group_id=group.pk,
        user_id=user.pk,
        role=invitation.role,
        password_chosen=chose_password,
    )
    return admin


@transaction.atomic
def decline_invitation(*, actor, key: str) -> AdminInvitation:
    """The invitee declines: nothing else changes, and the link stops working."""
    invitation = _open_invitation(actor, key)
    _answered(invitation, AdminInvitation.Status.DECLINED)
    record(
        invitation.user,
        AuditEvent.Action.GROUP_ADMIN_INVITATION_DECLINED,
        invitation,
        municipality_id=invitation.group.municipality_id,
        group_id=invitation.group_id,
        user_id=invitation.user_id,
        role=invitation.role,
    )
    return invitation


@transaction.atomic
def withdraw_invitation(*, actor, invitation: AdminInvitation) -> AdminInvitation:
    """A coordinator of the group's municipality withdraws an invitation that waits for an answer
    (or expired unanswered): its link stops working at once."""
    group = invitation.group
    require_municipality(actor, group.municipality)
    locked = AdminInvitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.status != AdminInvitation.Status.PENDING:
        raise ValidationError(_("This invitation was already answered or withdrawn."), code="not_pending")
    _answered(locked, AdminInvitation.Status.WITHDRAWN)
    record(
        actor,
        AuditEvent.Action.GROUP_ADMIN_INVITATION_WITHDRAWN,
        locked,
        municipality_id=group.municipality_id,
        group_id=group.pk,
        user_id=locked.user_id,
        role=locked.role,
    )
    invitation.status, invitation.answered_at = locked.status, locked.answered_at
    return locked
