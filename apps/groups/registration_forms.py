"""The form of an existing group's registration (``registrations.submit_registration``) and the
coordinator's forms (adjust the area, decide). Every rule of a field is written here once."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.addresses.normalize import normalize_postcode
from apps.core.phones import normalize_mobile
from apps.municipalities.models import Municipality

from . import registrations

OLDEST_START_YEAR = 2010  # WhatsApp groups exist since 2011


class RegistrationForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.order_by("name"),
        empty_label=_("Choose the municipality"),
        help_text=_("The municipality the group's area lies in."),
        error_messages={
            "required": _("Choose the municipality the group's area lies in."),
            "invalid_choice": _("Choose the municipality from the list."),
        },
    )
    group_name = forms.CharField(
        label=_("Name of the WhatsApp group"),
        max_length=160,
        error_messages={"required": _("Enter the name of the WhatsApp group.")},
    )
    approximate_size = forms.IntegerField(
        label=_("Approximate number of members"),
        error_messages={
            "required": _("Enter about how many members the group has."),
            "invalid": _("Enter a whole number, like 40."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    running_since = forms.DateField(
        label=_("Running since"),
        help_text=_("The date the group started; the first of the month is fine."),
        error_messages={
            "required": _("Enter since when the group runs."),
            "invalid": _("Enter a date like 2021-03-01."),
        },
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    geometry = forms.CharField(
        label=_("The group's area (drawn on the map)"),
        required=False,
        max_length=500_000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "geometry-field", "spellcheck": "false"}),
        help_text=_("Filled in by drawing on the map. Without a map: choose the streets below."),
    )
    postcode = forms.CharField(
        label=_("Postcode of the area"),
        max_length=10,
        required=False,
        help_text=_("Without a map: enter the postcode, press Show the streets and tick the group's streets."),
    )
    streets = forms.MultipleChoiceField(
        label=_("Streets of the group"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose streets from the list of the postcode.")},
    )
    full_name = forms.CharField(
        label=_("Your full name"),
        max_length=160,
        error_messages={"required": _("Enter your first name and last name.")},
    )
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        error_messages={
            "required": _("Enter your e-mail address."),
            "invalid": _("Enter an e-mail address like name@example.org."),
        },
    )
    phone = forms.CharField(
        label=_("Your mobile phone number"),
        max_length=25,
        help_text=_("The number you use WhatsApp with."),
        error_messages={"required": _("Enter your mobile phone number.")},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    accepts_house_rules = forms.BooleanField(
        label=_("I accept that the municipality's house rules will apply to the group."),
        error_messages={"required": _("Accept the municipality's house rules to register the group.")},
    )
    # A field people never see; software that fills in every field fills this one too.
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["full_name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        self.fields["postcode"].widget.attrs.update({"autocomplete": "postal-code"})
        size = self.fields["approximate_size"].widget.attrs
        size.update({"min": registrations.MIN_SIZE, "max": registrations.max_size()})
        self.street_choices = self._street_choices()
        self.fields["streets"].choices = [(s, s) for s in self.street_choices]

    def _street_choices(self) -> list[str]:
        if not self.is_bound:
            return []
        try:
            municipality = Municipality.objects.filter(pk=int(self.data.get("municipality") or 0)).first()
            postcode = normalize_postcode(self.data.get("postcode") or "").value
        except (ValueError, ValidationError):
            return []
        return registrations.streets_of_postcode(municipality, postcode) if municipality else []

    @property
    def is_spam(self) -> bool:
        return any(e.code == "honeypot" for e in self.errors.as_data().get("website", []))

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise ValidationError(_("This form could not be sent. Please try again."), code="honeypot")
        return ""

    def clean_group_name(self):
        value = " ".join(self.cleaned_data["group_name"].split())
        if len(value) < 3:
            raise ValidationError(_("Enter the name of the WhatsApp group (at least 3 characters)."))
        return value

    def clean_full_name(self):
        value = " ".join(self.cleaned_data["full_name"].split())
        if len(value) < 3 or " " not in value:
            raise ValidationError(_("Enter your first name and last name."))
        return value

    def clean_approximate_size(self):
        value = self.cleaned_data["approximate_size"]
        low, high = registrations.MIN_SIZE, registrations.max_size()
        if not low <= value <= high:
            raise ValidationError(
                _("Enter a number of members between %(min)d and %(max)d."), params={"min": low, "max": high}
            )
        return value

    def clean_running_since(self):
        value = self.cleaned_data["running_since"]
        if value > timezone.localdate():
            raise ValidationError(_("The start date cannot be in the future."))
        if value.year < OLDEST_START_YEAR:
            raise ValidationError(_("Enter a start date from %(year)d on."), params={"year": OLDEST_START_YEAR})
        return value

    def clean_postcode(self):
        value = self.cleaned_data.get("postcode", "").strip()
        return normalize_postcode(value).value if value else ""

    def clean(self):
        data = super().clean()
        municipality = data.get("municipality")
        if municipality is not None and data.get("phone"):
            try:
                data["phone"] = normalize_mobile(data["phone"], default_region=municipality.country)
            except ValidationError as exc:
                self.add_error("phone", exc)
        if not (data.get("geometry") or "").strip():
            data["geometry"] = ""
            if municipality is not None and data.get("postcode") and data.get("streets"):
                try:
                    data["geometry"] = registrations.area_from_streets(municipality, data["postcode"], data["streets"])
                except ValidationError as exc:
                    self.add_error("streets", exc.messages)
            elif "postcode" in data and "streets" in data:
                self.add_error(
                    "geometry",
                    ValidationError(
                        _("Draw the group's area on the map, or choose its streets by postcode."), code="required"
                    ),
                )
        else:
            data["streets"] = []
        return data


class AdjustAreaForm(forms.Form):
    geometry = forms.CharField(
        label=_("Area (GeoJSON)"),
        max_length=500_000,
        widget=forms.Textarea(attrs={"rows": 4, "class": "geometry-field", "spellcheck": "false"}),
        help_text=_("Move the corners on the map, or draw the area anew."),
        error_messages={"required": _("Draw the area on the map.")},
    )


class DecisionForm(forms.Form):
    ACCEPT = "accept"
    DECLINE = "decline"
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (ACCEPT, _("Accept: create the group and make the registrant its admin")),
            (DECLINE, _("Decline")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose to accept or to decline.")},
    )
    reason = forms.CharField(
        label=_("Reason (when declining)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The registrant receives it by e-mail."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.DECLINE and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Tell the registrant why the registration is declined."))
        return data
