"""Inviting a person who has no account yet as admin of a group.

A coordinator invites a new group admin by name, e-mail address and mobile number. The account
is created without a password; the person chooses one through a link sent by e-mail (Django's
password-reset token, so the link stops working once a password is set, when it expires, or
when the e-mail address changes).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.accounts.services import (
    EMAIL_MAX_LENGTH,
    NAME_MAX_LENGTH,
    link_valid_days,
    set_password_url,
    split_name,
    username_from_email,
)
from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import is_person
from apps.core.phones import normalize_mobile
from apps.messaging.services import queue_email
from apps.municipalities.permissions import require_municipality

from .models import GroupAdmin
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

    The account has no usable password: the person chooses one with the link of
    ``set_password_url``. Refused (ValidationError on ``email``) when an account with this
    e-mail address exists: appoint that account instead.
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


@transaction.atomic
def invite_admin(*, actor, group, full_name: str, email: str, phone: str, role: str):
    """Invite a new person as admin of ``group``: the account, the appointment and the e-mail
    with the link to choose a password, all in one transaction."""
    municipality = group.municipality
    require_municipality(actor, municipality)
    if role not in GroupAdmin.Role.values:
        raise ValidationError({"role": _("Choose a role.")}, code="invalid_choice")
    user = invite_user(actor, municipality, full_name, email, phone)
    admin = appoint_admin(actor=actor, group=group, user=user, role=role)
    # The new admin has no language of their own yet: they get the municipality's.
    with translation.override(municipality.language):
        days = link_valid_days()
        inviter = actor.display_name if is_person(actor) else _("The municipality")
        queue_email(
            to=user.email,
            subject=_("You are now an admin of %(group)s on Buurtwacht") % {"group": group.name},
            body=(
                _(
                    "Dear %(name)s,\n\n"
                    "%(inviter)s of the municipality of %(municipality)s has made you %(role)s of the "
                    "neighbourhood-watch group %(group)s on Buurtwacht.\n\n"
                    "Your user name is: %(username)s\n\n"
                )
                + ngettext(
                    "Choose your password with this link (valid for %(days)d day, and only once):",
                    "Choose your password with this link (valid for %(days)d days, and only once):",
                    days,
                )
                + "\n%(url)s\n\n"
                + _(
                    "Afterwards you log in at %(login)s\n\n"
                    "Were you not expecting this? Then ignore this e-mail and let the municipality know."
                )
            )
            % {
                "name": user.display_name,
                "inviter": inviter,
                "municipality": municipality.name,
                "role": admin.get_role_display(),
                "group": group.name,
                "username": user.get_username(),
                "days": days,
                "url": set_password_url(user),
                "login": settings.BUURTWACHT_SITE_URL + reverse("accounts:login"),
            },
            topic="account.invited",
            dedupe_key=f"account:{user.pk}:invited:group:{group.pk}",
            group_id=group.pk,
            municipality_id=municipality.pk,
        )
    return admin
