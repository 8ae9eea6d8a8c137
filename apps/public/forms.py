"""Forms of the resident's pages: search by address or by map point, and the request to
start a group. The application form itself lives in ``apps.applications.forms``."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.addresses.normalize import normalize_addition, normalize_postcode, split_house_number
from apps.areas.geometry import SERVICE_BOUNDS
from apps.core.phones import normalize_mobile

# Dutch postcodes carry letters, so no numeric keyboard there; upper case saves a correction.
_POSTCODE_ATTRS = {"autocomplete": "postal-code", "autocapitalize": "characters", "spellcheck": "false"}
# inputmode=numeric brings up the digit keyboard on phones; letters go in the addition field.
_HOUSE_NUMBER_ATTRS = {"inputmode": "numeric", "autocomplete": "off"}


def tune_address_widgets(form: forms.Form) -> None:
    """Give the address fields of any form the same phone-friendly keyboards."""
    if "postcode" in form.fields:
        form.fields["postcode"].widget.attrs.update(_POSTCODE_ATTRS)
    if "house_number" in form.fields:
        form.fields["house_number"].widget.attrs.update(_HOUSE_NUMBER_ATTRS)
    if "addition" in form.fields:
        form.fields["addition"].widget.attrs.update({"autocomplete": "off", "autocapitalize": "characters"})


def hide_honeypot(form: forms.Form) -> None:
    """The trap field stays in the page for robots, out of reach of people, keyboards and
    browsers' autofill."""
    if "website" in form.fields:
        form.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})


class _AddressFieldsMixin:
    """Postcode, house number and addition, cleaned the way the address register expects."""

    def clean_postcode(self):
        code = normalize_postcode(self.cleaned_data["postcode"])
        self.postcode_country = code.country
        return code.value

    def clean_house_number(self):
        number, addition = split_house_number(self.cleaned_data["house_number"])
        self._inline_addition = addition
        return str(number)

    def clean_addition(self):
        return normalize_addition(self.cleaned_data.get("addition", ""))

    def merge_inline_addition(self, data: dict) -> dict:
        # "12A" typed in the house-number field counts as house number 12, addition A.
        if not data.get("addition") and getattr(self, "_inline_addition", ""):
            data["addition"] = self._inline_addition
        return data


class AddressSearchForm(_AddressFieldsMixin, forms.Form):
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=10,
        help_text=_("For example 3870 (Belgium) or 6162 AB (the Netherlands)."),
        error_messages={"required": _("Enter your postcode.")},
    )
    house_number = forms.CharField(
        label=_("House number"),
        max_length=10,
        error_messages={"required": _("Enter your house number.")},
    )
    addition = forms.CharField(
        label=_("Addition"),
        max_length=10,
        required=False,
        help_text=_("Only if your address has one, for example A or bus 2."),
    )
    # Asked only when several streets of the postcode have the house number (Belgium).
    street = forms.CharField(label=_("Street"), max_length=160, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "search_%s")
        super().__init__(*args, **kwargs)
        tune_address_widgets(self)

    def clean(self):
        return self.merge_inline_addition(super().clean())


class PointSearchForm(forms.Form):
    """A place clicked on the map. Nobody types these values, so anything unreadable is
    treated as a broken link rather than a typing mistake."""

    lat = forms.FloatField()
    lon = forms.FloatField()

    def clean(self):
        data = super().clean()
        lat, lon = data.get("lat"), data.get("lon")
        if lat is None or lon is None:
            return data
        min_lon, min_lat, max_lon, max_lat = SERVICE_BOUNDS
        if not (min_lat <= lat <= max_lat and min_lon <= lon <= max_lon):
            raise ValidationError(
                _("This place lies outside Belgium and the Netherlands. Choose a place in Belgium or the Netherlands."),
                code="outside",
            )
        return data

    @property
    def is_unreadable(self) -> bool:
        return "lat" in self.errors or "lon" in self.errors


class StartGroupForm(_AddressFieldsMixin, forms.Form):
    full_name = forms.CharField(
        label=_("Full name"), max_length=160, error_messages={"required": _("Enter your first name and last name.")}
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("The municipality answers you by e-mail."),
        error_messages={
            "required": _("Enter your e-mail address."),
            "invalid": _("Enter an e-mail address like name@example.org."),
        },
    )
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=25,
        help_text=_("The number you use WhatsApp with."),
        error_messages={"required": _("Enter your mobile phone number.")},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    postcode = forms.CharField(
        label=_("Postcode"), max_length=10, error_messages={"required": _("Enter your postcode.")}
    )
    house_number = forms.CharField(
        label=_("House number"), max_length=10, error_messages={"required": _("Enter your house number.")}
    )
    addition = forms.CharField(label=_("Addition"), max_length=10, required=False)
    street = forms.CharField(
        label=_("Street"),
        max_length=160,
        required=False,
        help_text=_("Needed where several streets of your postcode have the same house number."),
    )
    wants_to_be_admin = forms.BooleanField(
        label=_("I would like to be the group's admin."),
        required=False,
        help_text=_("The admin adds and removes members in WhatsApp. The municipality explains what it involves."),
    )
    message = forms.CharField(
        label=_("Message to the municipality"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # A field people never see; software that fills in every field fills this one too.
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        tune_address_widgets(self)
        hide_honeypot(self)

    def clean_full_name(self):
        value = " ".join(self.cleaned_data["full_name"].split())
        if len(value) < 3 or " " not in value:
            raise ValidationError(_("Enter your first name and last name."))
        return value

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise ValidationError(_("This form could not be sent. Please try again."), code="honeypot")
        return ""

    def clean(self):
        data = self.merge_inline_addition(super().clean())
        raw_phone = data.get("phone")
        if raw_phone is not None:
            # A national number is read in the country of the address the resident gave.
            try:
                data["phone"] = normalize_mobile(raw_phone, getattr(self, "postcode_country", "BE"))
            except ValidationError as exc:
                self.add_error("phone", exc)
        return data

    @property
    def is_spam(self) -> bool:
        return any(e.code == "honeypot" for e in self.errors.as_data().get("website", []))
