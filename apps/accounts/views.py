"""Account pages around Django's own views: logging in (saying why a session ended or a login is
paused) with its second step (a code, or setting up the authenticator app), asking for a link to
choose a password, and choosing it (also the page an invited admin lands on); confirming the
password before a sensitive action; the second factor on the account page; and the language of
the messages a staff member receives."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_ratelimit.decorators import ratelimit

from . import lockout, login_steps, second_factor, sessions
from .decorators import confirm_password_url, recent_login_required
from .forms import (
    ChoosePasswordForm,
    CodeForm,
    ConfirmPasswordForm,
    MessageLanguageForm,
    QueuedPasswordResetForm,
    SetupForm,
)
from .services import link_valid_days, set_message_language


class LoginView(auth_views.LoginView):
    """Django's login; says so when the browser's last session ended for inactivity. A locked
    login is answered by ``lockout.lockout_response`` (through axes' middleware)."""

    template_name = "accounts/login.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if sessions.take_ended_idle(self.request):
            context["idle_minutes"] = settings.BUURTWACHT_SESSION_IDLE_MINUTES
        return context

    def form_valid(self, form):
        """The password was right. An account with an authenticator app goes on to its code; one
        that must have a second factor and has none, to setting it up; nobody is logged in yet."""
        user = form.get_user()
        if second_factor.has_device(user):
            login_steps.start(self.request, user, self.get_success_url())
            return redirect("accounts:login_code")
        if second_factor.required_for(user):
            login_steps.start(self.request, user, self.get_success_url())
            return redirect("accounts:second_factor_setup")
        return super().form_valid(form)


def _start_again(request):
    messages.warning(request, _("Your login was not finished in time. Log in again."))
    return redirect("accounts:login")


def _locked(request, user):
    login_steps.forget(request)
    return lockout.lockout_response(request, credentials=login_steps.credentials_of(user))


def _count_wrong_code(request, user, form) -> None:
    """A code that was checked and wrong counts towards the lock; a locked login starts again."""
    if any(error.code == "wrong_code" for error in form.errors.as_data().get("otp_token", [])):
        login_steps.count_wrong_code(request, user)
        if getattr(request, "axes_locked_out", False):
            login_steps.forget(request)


RECOVERY_CODES = "buurtwacht.recovery_codes"
RECOVERY_NEXT = "buurtwacht.recovery_next"


def _show_recovery_codes(request, codes: list[str], next_url: str):
    request.session[RECOVERY_CODES] = codes
    request.session[RECOVERY_NEXT] = next_url
    return redirect("accounts:recovery_codes")


@never_cache
@sensitive_post_parameters("otp_token")
@require_http_methods(["GET", "POST"])
def login_code(request):
    """The second step of a login: a code of the authenticator app, or a recovery code."""
    user, data = login_steps.pending(request)
    if user is None:
        return _start_again(request)
    if not second_factor.has_device(user):
        return redirect("accounts:second_factor_setup" if second_factor.required_for(user) else "accounts:login")
    if login_steps.is_locked(request, user):
        return _locked(request, user)
    status = 200
    if request.method == "POST":
        form = CodeForm(user, request.POST)
        if form.is_valid():
            login_steps.complete(request, user, data, form.verified.device)
            if form.verified.recovery_code:
                left = second_factor.recovery_codes_left(user)
                messages.warning(
                    request,
                    ngettext(
                        "You logged in with a recovery code. %(count)d code is left: make new ones on your "
                        "account page.",
                        "You logged in with a recovery code. %(count)d codes are left: make new ones on your "
                        "account page.",
                        left,
                    )
                    % {"count": left},
                )
            return redirect(data.get("next") or settings.LOGIN_REDIRECT_URL)
        _count_wrong_code(request, user, form)
        status = 400
    else:
        form = CodeForm(user)
    return render(request, "accounts/login_code.html", {"form": form}, status=status)


@never_cache
@sensitive_post_parameters("otp_token")
@require_http_methods(["GET", "POST"])
def second_factor_setup(request):
    """Setting up the authenticator app: a QR code and the secret as text, then the first code.
    Reached after the password by an account that must have a second factor (not logged in yet),
    or from the account page (logged in, with the password typed recently)."""
    data = None
    if request.user.is_authenticated:
        user = request.user
        if not sessions.password_entered_recently(request):
            return redirect(confirm_password_url(request))
    else:
        user, data = login_steps.pending(request)
        if user is None:
            return _start_again(request)
        if second_factor.has_device(user):
            return redirect("accounts:login_code")
        if login_steps.is_locked(request, user):
            return _locked(request, user)
    device = second_factor.pending_authenticator(user)
    status = 200
    if request.method == "POST":
        form = SetupForm(user, device, request.POST)
        if form.is_valid() and form.confirm(actor=user):
            device.refresh_from_db()
            if data is not None:
                login_steps.complete(request, user, data, device)
                next_url = data.get("next") or resolve_url(settings.LOGIN_REDIRECT_URL)
            else:
                otp_login(request, device)
                next_url = reverse("accounts:second_factor")
            return _show_recovery_codes(request, form.codes, next_url)
        if data is not None:
            _count_wrong_code(request, user, form)
        status = 400
    else:
        form = SetupForm(user, device)
    context = {
        "form": form,
        "qr_code": second_factor.qr_svg(device),
        "secret": second_factor.secret_text(device),
        "logging_in": data is not None,
        "required": second_factor.required_for(user),
        "replacing": second_factor.has_device(user),
    }
    return render(request, "accounts/second_factor_setup.html", context, status=status)


@login_required
@never_cache
@require_http_methods(["GET"])
def recovery_codes(request):
    """The new recovery codes, shown once; afterwards only how many are left."""
    codes = request.session.pop(RECOVERY_CODES, None)
    next_url = request.session.pop(RECOVERY_NEXT, None) or reverse("accounts:second_factor")
    if not codes:
        return redirect("accounts:second_factor")
    return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": next_url})


@login_required
@never_cache
@recent_login_required(methods=["POST"])
@require_http_methods(["GET", "POST"])
def second_factor_page(request):
    """The second factor on the account page: set it up (optional for group admins), replace the
    app, make new recovery codes, or switch it off where it is not required."""
    user = request.user
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "renew" and second_factor.has_device(user):
            codes = second_factor.renew_recovery_codes(user, actor=user)
            return _show_recovery_codes(request, codes, reverse("accounts:second_factor"))
        if action == "remove" and second_factor.has_device(user):
            if second_factor.remove(user, actor=user):
                messages.success(request, _("Two-step verification is off. You log in with your password only."))
            else:
                messages.error(request, _("Your role requires two-step verification: it cannot be switched off."))
            return redirect("accounts:second_factor")
        messages.error(request, _("This action is not possible. Nothing was changed."))
        return redirect("accounts:second_factor")
    device = second_factor.authenticator_of(user)
    context = {
        "device": device,
        "codes_left": second_factor.recovery_codes_left(user) if device else 0,
        "required": second_factor.required_for(user),
    }
    return render(request, "accounts/second_factor.html", context)


def admin_login(request, extra_context=None):
    """/django-admin/ logs in through the login page, with its second step."""
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"))


def _reset_rate(group, request) -> str:
    # Read at request time, so that a test can change it.
    return settings.BUURTWACHT_PASSWORD_RESET_RATE


@method_decorator(
    ratelimit(key="ip", rate=_reset_rate, method="POST", block=False, group="accounts.password_reset"),
    name="dispatch",
)
class PasswordResetView(auth_views.PasswordResetView):
    """Sends the link only when an active account has the address, and says the same either way."""

    form_class = QueuedPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    subject_template_name = "accounts/password_reset_subject.txt"
    email_template_name = "accounts/password_reset_email.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        if getattr(self.request, "limited", False):
            form.add_error(None, _("This form was sent too many times from your connection. Try again later."))
            return self.form_invalid(form)
        # Links point at the configured site address, never at the Host header of the request.
        self.extra_email_context = {
            "site_url": settings.BUURTWACHT_SITE_URL,
            "login_url": settings.BUURTWACHT_SITE_URL + reverse("accounts:login"),
            "days": link_valid_days(),
        }
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = ChoosePasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # Whoever chose the new password holds the account's e-mail: a lock of its logins (theirs
        # after forgetting it, or someone's guessing the old one) ends, on every connection.
        lockout.lift(form.user.get_username())
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def message_language(request):
    """The language of what the system sends the signed-in person; the page's own language is
    chosen with the switch in the header and stays apart from it."""
    user = request.user
    if request.method == "POST":
        form = MessageLanguageForm(request.POST)
        if form.is_valid():
            try:
                set_message_language(user, form.cleaned_data["language"], actor=user)
            except ValidationError as exc:
                for field, errors in exc.error_dict.items():
                    form.add_error(field, errors)
            else:
                messages.success(request, _("Saved. Our messages to you are now written in this language."))
                return redirect("accounts:message_language")
        status = 400
    else:
        form = MessageLanguageForm(initial={"language": user.language})
        status = 200
    return render(request, "accounts/message_language.html", {"form": form}, status=status)


def _local_url(request, name: str) -> str:
    """The parameter ``name`` when it is an address on this site, else the desk."""
    candidate = request.POST.get(name) or request.GET.get(name) or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@login_required
@never_cache
@sensitive_post_parameters("password", "otp_token")
@require_http_methods(["GET", "POST"])
def confirm_password(request):
    """The password again, before an export, a removal or a role change
    (``apps.accounts.decorators.recent_login_required``). Then back to ``next``: the export
    itself, or the page a refused action was sent from (``redo``: nothing was carried out)."""
    next_url = _local_url(request, "next")
    # Where "Cancel" goes: the page the action was asked on (for an export, not the export).
    back_url = _local_url(request, "back") if (request.POST.get("back") or request.GET.get("back")) else next_url
    redo = (request.POST.get("redo") or request.GET.get("redo")) == "1"
    if request.method == "POST":
        form = ConfirmPasswordForm(request, request.POST)
        if form.is_valid():
            sessions.password_confirmed(request)
            lockout.lift(request.user.get_username(), request)
            if redo:
                messages.success(request, _("Password confirmed. Nothing was changed yet: do it again now."))
            return redirect(next_url)
        if form.needs_code:
            _count_wrong_code(request, request.user, form)
        status = 400
    else:
        form = ConfirmPasswordForm(request)
        status = 200
    context = {
        "form": form,
        "next": next_url,
        "back": back_url,
        "redo": redo,
        "minutes": settings.BUURTWACHT_REAUTH_MINUTES,
    }
    return render(request, "accounts/confirm_password.html", context, status=status)
