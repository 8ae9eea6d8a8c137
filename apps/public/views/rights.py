"""Residents' rights without an account: ask for the link to one's own data by e-mail, then see,
download, leave a group or erase everything through it (``apps.rights``); and the page where a
member types the code that confirms their phone number (``apps.members.confirmation``)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from apps.core import form_limits
from apps.core.actors import PUBLIC
from apps.core.phones import display as display_phone
from apps.members import confirmation
from apps.rights import services as rights
from apps.rights.services import LinkState

from ..forms import hide_honeypot
from .common import clear_honeypot, error_summary, private

LIMIT_KIND = "rights"


class RightsRequestForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Your e-mail address"),
        max_length=254,
        help_text=gettext_lazy("The address you used when you applied to a group."),
        error_messages={
            "required": gettext_lazy("Enter your e-mail address."),
            "invalid": gettext_lazy("Enter an e-mail address like name@example.org."),
        },
    )
    website = forms.CharField(required=False, label=gettext_lazy("Leave this field empty"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        hide_honeypot(self)

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise ValidationError(_("This form could not be sent. Please try again."), code="honeypot")
        return ""

    @property
    def is_spam(self) -> bool:
        return any(e.code == "honeypot" for e in self.errors.as_data().get("website", []))


@require_http_methods(["GET", "POST"])
def rights_request(request):
    """The same answer whether or not anything is held for the address: no one learns from this
    page who applied to a group."""
    if request.method == "POST":
        limited = form_limits.connection_limited(request, LIMIT_KIND)
        form = RightsRequestForm(request.POST)
        if limited:
            context = {"form": form, "limited": limited}
            return render(request, "public/rights_request.html", context, status=429)
        if form.is_valid():
            email = form.cleaned_data["email"]
            # An address asked for too often gets the same answer, and no new e-mail.
            if not form_limits.phone_limited(request, LIMIT_KIND, email):
                form_limits.count_accepted(request, LIMIT_KIND, email)
                rights.request_link(email, language=translation.get_language())
            return redirect("public:rights_sent")
        form_limits.count_refused(request, LIMIT_KIND)
        clear_honeypot(form)
        return render(request, "public/rights_request.html", {"form": form, "errors": error_summary(form)})
    return render(request, "public/rights_request.html", {"form": RightsRequestForm()})


def rights_sent(request):
    return render(request, "public/rights_sent.html", {"hours": int(rights.LINK_VALID.total_seconds() // 3600)})


def _link_problem(request, state: str):
    status = 404 if state == LinkState.UNKNOWN else 410
    return private(render(request, "public/rights_link.html", {"state": state}, status=status))


@never_cache
@require_http_methods(["GET"])
def rights_data(request, key: str):
    link, state = rights.open_link(key)
    if state != LinkState.VALID:
        return _link_problem(request, state)
    held = rights.holdings(link.email)
    context = {
        "key": key,
        "held": held,
        "members": [(m, display_phone(m.phone)) for m in held.members],
        "applications": [(a, display_phone(a.phone)) for a in held.applications],
        "messages_sent": list(held.messages()),
        "expires_at": link.expires_at,
    }
    return private(render(request, "public/rights_data.html", context))


@never_cache
@require_POST
def rights_download(request, key: str):
    link, state = rights.open_link(key)
    if state != LinkState.VALID:
        return _link_problem(request, state)
    fmt = request.POST.get("format", "")
    try:
        name, content = rights.export(link, fmt=fmt, actor=PUBLIC)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("public:rights_data", key=key)
    content_type = "application/json" if fmt == "json" else "text/plain"
    response = HttpResponse(content, content_type=f"{content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return private(response)


@never_cache
@require_http_methods(["GET", "POST"])
def rights_leave(request, key: str, member_id: int):
    """GET asks to confirm, naming the group and what leaving means; only the POST leaves. A
    membership that is not the link's, or already ended, leads back to the person's data."""
    link, state = rights.open_link(key)
    if state != LinkState.VALID:
        return _link_problem(request, state)
    if request.method == "GET":
        member = next((m for m in rights.holdings(link.email).members if m.pk == member_id and m.left_at is None), None)
        if member is None:
            return redirect("public:rights_data", key=key)
        return private(render(request, "public/rights_leave.html", {"key": key, "member": member}))
    try:
        member = rights.leave_group(link, member_id, actor=PUBLIC)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("You left %(group)s. Its admin will remove your number from the WhatsApp group.")
            % {"group": member.group.name},
        )
    return redirect("public:rights_data", key=key)


@never_cache
@require_http_methods(["GET", "POST"])
def rights_erase(request, key: str):
    """GET asks to confirm; only the POST erases. The same form sent again erases nothing more
    and says so."""
    link, state = rights.open_link(key)
    if request.method == "POST" and state == LinkState.USED:
        return private(render(request, "public/rights_link.html", {"state": "erased_already"}, status=409))
    if state != LinkState.VALID:
        return _link_problem(request, state)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            context = {"key": key, "error": _("Tick the box to confirm that everything must be erased.")}
            return private(render(request, "public/rights_erase.html", context))
        try:
            rights.erase(link, actor=PUBLIC)
        except ValidationError as exc:
            state = "erased_already" if exc.code == "used" else LinkState.EXPIRED
            return private(render(request, "public/rights_link.html", {"state": state}, status=409))
        return private(render(request, "public/rights_link.html", {"state": "erased"}))
    return private(render(request, "public/rights_erase.html", {"key": key}))


# --- the phone number's confirmation -----------------------------------------------------------


class PhoneCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("The code from the SMS"),
        max_length=12,
        help_text=gettext_lazy("Six digits."),
        error_messages={"required": gettext_lazy("Type the code from the SMS.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            {"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9 ]*"}
        )


@never_cache
@require_http_methods(["GET", "POST"])
def phone_confirm(request, key: str):
    found = confirmation.by_key(key)
    if found is None:
        return private(render(request, "public/phone_confirm.html", {"state": "invalid"}, status=404))
    member = found.member
    context = {"key": key, "phone": display_phone(found.phone), "group": member.group}
    if member.phone_confirmed_at is not None:
        return private(render(request, "public/phone_confirm.html", {**context, "state": "confirmed"}))
    form = PhoneCodeForm()
    if request.method == "POST":
        limited = form_limits.connection_limited(request, "phone_code")
        if limited:
            context.update(state="ask", form=form, limited=limited)
            return private(render(request, "public/phone_confirm.html", context, status=429))
        if request.POST.get("action") == "resend":
            try:
                confirmation.send_new_code(found, actor=PUBLIC)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                context["resent"] = True
        else:
            form = PhoneCodeForm(request.POST)
            if form.is_valid():
                try:
                    confirmation.confirm(found, form.cleaned_data["code"], actor=PUBLIC)
                except ValidationError as exc:
                    form.add_error("code", exc.error_dict["code"] if hasattr(exc, "error_dict") else exc)
                else:
                    return private(render(request, "public/phone_confirm.html", {**context, "state": "done"}))
            form_limits.count_refused(request, "phone_code")
    context.update(state="ask", form=form, errors=error_summary(form))
    return private(render(request, "public/phone_confirm.html", context))
