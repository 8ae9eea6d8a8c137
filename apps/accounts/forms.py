"""Forms of the account pages: asking for a link to choose a new password, choosing it, the
language of the messages a staff member receives, and the codes of the second factor."""

from __future__ import annotations

import hashlib
import unicodedata

from django import forms
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth import forms as auth_forms
from django.template import loader
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from apps.messaging.services import queue_email

from . import second_factor
from .services import message_languages


def _same_address(a: str, b: str) -> bool:
    """Compare as Django does: the database's case-insensitive match is not trusted for Unicode."""
    return unicodedata.normalize("NFKC", a).casefold() == unicodedata.normalize("NFKC", b).casefold()


class QueuedPasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form, but the e-mail goes through the outgoing-message table like every other
    message (so it is retried, listed, and shown in the mailbox of the embedded mode).

    Whether an account exists is never shown: the page after sending is the same either way.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("E-mail address")

    def get_users(self, email):
        """Active accounts with this address, including invited people who have not chosen a
        password yet (Django leaves those out): their invitation link may have expired."""
        field = get_user_model().get_email_field_name()
        users = get_user_model()._default_manager.filter(**{f"{field}__iexact": email, "is_active": True})
        return (u for u in users if _same_address(email, getattr(u, field)))

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        # One message per link: the same form sent twice within a second queues one e-mail.
        digest = hashlib.sha256(context["token"].encode()).hexdigest()[:32]
        queue_email(
            to=to_email,
            subject=subject,
            body=body,
            topic="account.password_reset",
            dedupe_key=f"account:{context['user'].pk}:password_reset:{digest}",
        )


class ChoosePasswordForm(auth_forms.SetPasswordForm):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password2"].label = _("Repeat the new password")


class MessageLanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language of the messages we send you"),
        required=False,
        widget=forms.RadioSelect,
        help_text=_("E-mails, text messages and WhatsApp messages from Buurtwacht are written in this language."),
        error_messages={"invalid_choice": _("Choose one of the languages in the list.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = message_languages()


class ConfirmPasswordForm(forms.Form):
    """The signed-in person's password, typed again. Checked through ``authenticate`` so that
    wrong passwords here count towards the login lock like those on the login page."""

    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def __init__(self, request, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        self.request = request
        super().__init__(*args, **kwargs)
        # An account with an authenticator app confirms with a code too.
        self.needs_code = second_factor.has_device(request.user)
        if self.needs_code:
            self.fields["otp_token"] = code_field()

    def clean_password(self):
        password = self.cleaned_data["password"]
        user = self.request.user
        confirmed = authenticate(self.request, username=user.get_username(), password=password)
        if confirmed is None or confirmed.pk != user.pk:
            raise forms.ValidationError(_("This is not the password of your account."), code="wrong_password")
        return password

    def clean(self):
        cleaned = super().clean()
        if self.needs_code and "password" in cleaned and cleaned.get("otp_token"):
            try:
                self.verified = check_code(self.request.user, cleaned["otp_token"])
            except forms.ValidationError as error:
                self.add_error("otp_token", error)
        return cleaned


def check_code(user, code) -> second_factor.Verified:
    """The code's device, or the error to show: asked too soon after wrong ones (django-otp's
    throttle: the code is not checked), or wrong."""
    wait = second_factor.throttle_seconds(user)
    if wait:
        raise throttled_error(wait)
    verified = second_factor.verify(user, code)
    if verified is None:
        raise wrong_code_error()
    return verified


def throttled_error(wait: int) -> forms.ValidationError:
    return forms.ValidationError(
        ngettext(
            "Too many wrong codes. Wait %(seconds)d second, then type the newest code of your app.",
            "Too many wrong codes. Wait %(seconds)d seconds, then type the newest code of your app.",
            wait,
        )
        % {"seconds": wait},
        code="throttled",
    )


def wrong_code_error() -> forms.ValidationError:
    return forms.ValidationError(
        _("This code is not right, or was used already. Type the newest code of your app, or a recovery code."),
        code="wrong_code",
    )


def code_field(**kwargs) -> forms.CharField:
    return forms.CharField(
        label=kwargs.pop("label", _("Code")),
        max_length=40,
        help_text=kwargs.pop(
            "help_text", _("The 6 digits your authenticator app shows now, or one of your recovery codes.")
        ),
        error_messages={"required": _("Type the code.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false", **kwargs}
        ),
    )


class CodeForm(forms.Form):
    """The second step of a login: a code of the authenticator app or a recovery code."""

    def __init__(self, user, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        self.user = user
        self.verified = None
        super().__init__(*args, **kwargs)
        self.fields["otp_token"] = code_field(autofocus=True)

    def clean_otp_token(self):
        code = self.cleaned_data["otp_token"]
        self.verified = check_code(self.user, code)
        return code


class SetupForm(forms.Form):
    """Setting up the authenticator app: the first code it shows proves it holds the secret."""

    def __init__(self, user, device, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        self.user = user
        self.device = device
        self.codes = None
        super().__init__(*args, **kwargs)
        self.fields["otp_token"] = code_field(
            label=_("Code from the app"),
            help_text=_("The 6 digits the app shows for Buurtwacht, after you added it."),
            inputmode="numeric",
        )

    def confirm(self, actor) -> list[str] | None:
        """The recovery codes when the code was right; otherwise an error on the form."""
        wait = second_factor.wait_seconds(self.device)
        if wait:
            self.add_error("otp_token", throttled_error(wait))
            return None
        self.codes = second_factor.confirm_authenticator(
            self.user, self.device, self.cleaned_data["otp_token"], actor=actor
        )
        if self.codes is None:
            self.add_error(
                "otp_token",
                forms.ValidationError(
                    _(
                        "This code is not right. Check that the app shows the code for Buurtwacht and type its "
                        "newest code."
                    ),
                    code="wrong_code",
                ),
            )
        return self.codes
