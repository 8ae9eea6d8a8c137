"""The page of an invitation to become a group's admin, reached through the secret link of its
e-mail (``apps.groups.invitations``).

It names the group, the municipality and who invited, says what being its admin means (the
members' personal data), and offers to accept or decline. Only a POST answers, because mail
scanners open links. The invited account answers logged in; an account made by the invitation,
which has no password yet, chooses its password here while accepting (the link went to its
e-mail address only) and is logged in. Anyone else sees what to do and changes nothing. A link
that never was one answers 404, an expired or answered one 410, each with a page saying so.
"""

from __future__ import annotations

import contextlib
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.shortcuts import render as render_template
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.accounts import second_factor
from apps.accounts.forms import ChoosePasswordForm
from apps.core.actors import PUBLIC, is_person
from apps.groups.invitations import (
    accept_invitation,
    decline_invitation,
    find_invitation,
    may_answer,
    state_of,
)
from apps.groups.models import AdminInvitation

TEMPLATE = "staff/admin_invitation.html"
# Codes of the ValidationErrors of apps.groups.invitations that mean "this link no longer works".
GONE = {"unknown", "expired", "accepted", "declined", "withdrawn"}


def _language(request, invitation: AdminInvitation | None):
    """The language the e-mail was written in, unless the visitor chose one on the site."""
    if invitation is not None and invitation.language and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        return translation.override(invitation.language)
    return contextlib.nullcontext()


def _private(response):
    """A secret link: keep it out of other sites' logs and out of search engines (as the
    residents' secret links do)."""
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Content-Language"] = translation.get_language()
    return response


def _page(request, context: dict, status: int = 200):
    return _private(render_template(request, TEMPLATE, context, status=status))


def _gone(request, state: str, invitation: AdminInvitation | None = None):
    return _page(request, {"state": state, "invitation": invitation}, status=404 if state == "unknown" else 410)


def _mode(request, invitation: AdminInvitation) -> str:
    """``answer`` (the invited account, logged in), ``choose_password`` (an account without a
    password yet, not logged in), ``other_account`` (logged in as someone else) or ``log_in``."""
    user = request.user
    if is_person(user):
        return "answer" if may_answer(user, invitation) else "other_account"
    return "choose_password" if may_answer(PUBLIC, invitation) else "log_in"


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def admin_invitation(request, key: str):
    invitation = find_invitation(key)
    if invitation is None:
        return _gone(request, "unknown")
    with _language(request, invitation):
        state = state_of(invitation)
        if state != AdminInvitation.Status.PENDING:
            return _gone(request, state, invitation)
        mode = _mode(request, invitation)
        invitee = invitation.user
        form = ChoosePasswordForm(invitee) if mode == "choose_password" else None
        if request.method == "POST":
            if mode not in ("answer", "choose_password"):
                raise PermissionDenied
            actor = request.user if mode == "answer" else PUBLIC
            answer = request.POST.get("answer")
            try:
                if answer == "decline":
                    decline_invitation(actor=actor, key=key)
                    return _page(request, {"state": "declined_now", "invitation": invitation})
                if answer == "accept":
                    password = None
                    if mode == "choose_password":
                        form = ChoosePasswordForm(invitee, request.POST)
                        if not form.is_valid():
                            return _page(request, _context(request, invitation, mode, form), status=200)
                        password = form.cleaned_data["new_password1"]
                    admin = accept_invitation(actor=actor, key=key, password=password)
                    if mode == "choose_password":
                        if second_factor.required_for(admin.user) or second_factor.authenticator_of(admin.user):
                            # A role that logs in with a second factor goes through both steps.
                            messages.success(
                                request,
                                _("You are now %(role)s of %(group)s.")
                                % {"role": invitation.get_role_display(), "group": invitation.group.name},
                            )
                            return redirect_to_login(reverse("staff:group_detail", args=[invitation.group_id]))
                        # The account as saved with its new password (the session keeps its hash).
                        login(request, admin.user, backend="django.contrib.auth.backends.ModelBackend")
                    messages.success(
                        request,
                        _("You are now %(role)s of %(group)s.")
                        % {"role": invitation.get_role_display(), "group": invitation.group.name},
                    )
                    return redirect("staff:group_detail", pk=invitation.group_id)
            except ValidationError as exc:
                if getattr(exc, "code", None) in GONE:
                    invitation.refresh_from_db()
                    return _gone(request, state_of(invitation), invitation)
                if form is None:
                    raise
                for error in exc.message_dict.get("password", exc.messages):
                    form.add_error("new_password2", error)
        return _page(request, _context(request, invitation, mode, form))


def _context(request, invitation: AdminInvitation, mode: str, form) -> dict:
    return {
        "state": "pending",
        "invitation": invitation,
        "group": invitation.group,
        "municipality": invitation.group.municipality,
        "mode": mode,
        "form": form,
        "login_url": reverse("accounts:login") + "?next=" + quote(request.path),
    }
