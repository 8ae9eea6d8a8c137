"""Forms of the account pages: asking for a link to choose a new password, choosing it, and the
language of the messages a staff member receives."""

from __future__ import annotations

import hashlib
import unicodedata

from django import forms
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth import forms as auth_forms
from django.template import loader
from django.utils.translation import gettext_lazy as _

from apps.messaging.services import queue_email

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

    def clean_password(self):
        password = self.cleaned_data["password"]
        user = self.request.user
        confirmed = authenticate(self.request, username=user.get_username(), password=password)
        if confirmed is None or confirmed.pk != user.pk:
            raise forms.ValidationError(_("This is not the password of your account."), code="wrong_password")
        return password
