"""Account pages around Django's own views: logging in (saying why a session ended or a login is
paused), asking for a link to choose a password, and choosing it (also the page an invited admin
lands on); confirming the password before a sensitive action; and the language of the messages
a staff member receives."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from . import lockout, sessions
from .forms import ChoosePasswordForm, ConfirmPasswordForm, MessageLanguageForm, QueuedPasswordResetForm
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
@sensitive_post_parameters("password")
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
