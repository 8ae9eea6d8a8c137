"""The application form, used by the web page and the public API alike."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.addresses.normalize import normalize_addition, normalize_postcode, split_house_number
from apps.core.ages import age_on
from apps.core.phones import normalize_mobile
from apps.members.alerts import ALERTS_CONSENT

from .models import Application

# The values of the "live or work here" choice; the API's ``works_here: true`` is "yes".
LIVES_HERE, WORKS_HERE = "no", "yes"
WORKPLACE_NAME_MAX_LENGTH = Application._meta.get_field("workplace_name").max_length


class ApplicationForm(forms.Form):
    full_name = forms.CharField(
        label=_("Full name"), max_length=160, error_messages={"required": _("Enter your first name and last name.")}
    )
    # Whether the address below is the applicant's home or workplace. Only offered where the
    # group's municipality accepts people who work in the area; ``services.submit`` refuses
    # "works here" everywhere else.
    works_here = forms.TypedChoiceField(
        label=_("Do you live or work at this address?"),
        choices=[(LIVES_HERE, _("I live at this address")), (WORKS_HERE, _("I work at this address"))],
        coerce=lambda value: value == WORKS_HERE,
        empty_value=False,
        required=False,
        initial=LIVES_HERE,
        widget=forms.RadioSelect,
        help_text=_("If you work in the area, fill in the address of your workplace below."),
    )
    workplace_name = forms.CharField(
        label=_("Name of the business or organisation"),
        max_length=WORKPLACE_NAME_MAX_LENGTH,
        required=False,
        help_text=_("Only if you work at this address."),
    )
    street = forms.CharField(label=_("Street"), max_length=160, error_messages={"required": _("Enter your street.")})
    house_number = forms.CharField(
        label=_("House number"), max_length=10, error_messages={"required": _("Enter your house number.")}
    )
    addition = forms.CharField(label=_("Addition"), max_length=10, required=False)
    postcode = forms.CharField(
        label=_("Postcode"), max_length=10, error_messages={"required": _("Enter your postcode.")}
    )
    town = forms.CharField(label=_("Town"), max_length=120, error_messages={"required": _("Enter your town.")})
    birth_date = forms.DateField(
        label=_("Date of birth"),
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
        input_formats=["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y"],
        error_messages={
            "invalid": _("Enter your date of birth as day-month-year, e.g. 31-12-1960."),
            "required": _("Enter your date of birth."),
        },
    )
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=25,
        help_text=_("The number you use WhatsApp with."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        error_messages={"required": _("Enter your mobile phone number.")},
    )
    email = forms.EmailField(
        label=_("E-mail address"), max_length=254, error_messages={"required": _("Enter your e-mail address.")}
    )
    accept_house_rules = forms.BooleanField(
        label=_("I have read the house rules and I accept them."),
        error_messages={"required": _("You can only join when you accept the house rules.")},
    )
    house_rules_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    # Optional and unticked: joining the group does not depend on it.
    alerts_opt_in = forms.BooleanField(
        label=ALERTS_CONSENT,
        required=False,
        help_text=_("Optional. You can join the group without it."),
    )
    # Only shown when the group is full: the resident chooses the waiting list knowingly.
    waiting_list = forms.BooleanField(
        label=_("Put me on the waiting list"),
        required=False,
        help_text=_("When a place becomes free, the first on the list goes to the admin. You are told by e-mail."),
    )
    # Optional: how groups find new admins.
    offers_to_help = forms.BooleanField(
        label=_("I would like to help as an admin of a group"),
        required=False,
        help_text=_("Optional. The admin or the municipality may contact you about it."),
    )
    remark = forms.CharField(label=_("Remark (optional)"), max_length=1000, required=False, widget=forms.Textarea)
    # A field people never see; software that fills in every field fills this one too.
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def __init__(self, *args, country: str = "BE", today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.country = country
        self.today = today or timezone.localdate()
        for name in ("full_name", "street", "town", "email"):
            self.fields[name].widget.attrs.setdefault(
                "autocomplete",
                {"full_name": "name", "street": "address-line1", "town": "address-level2", "email": "email"}[name],
            )
        self.fields["postcode"].widget.attrs["autocomplete"] = "postal-code"

    def clean_full_name(self):
        value = " ".join(self.cleaned_data["full_name"].split())
        if len(value) < 3 or " " not in value:
            raise ValidationError(_("Enter your first name and last name."))
        return value

    def clean_postcode(self):
        return normalize_postcode(self.cleaned_data["postcode"]).value

    def clean_house_number(self):
        number, addition = split_house_number(self.cleaned_data["house_number"])
        self._inline_addition = addition
        return str(number)

    def clean_addition(self):
        return normalize_addition(self.cleaned_data.get("addition", ""))

    def clean_birth_date(self):
        value = self.cleaned_data["birth_date"]
        if value > self.today:
            raise ValidationError(_("The date of birth lies in the future."))
        if value.year < self.today.year - 120:
            raise ValidationError(_("Check the year of your date of birth."))
        if age_on(value, self.today) < settings.BUURTWACHT_MINIMUM_AGE:
            raise ValidationError(
                _("You must be %(age)d or older to join a neighbourhood-watch group."),
                params={"age": settings.BUURTWACHT_MINIMUM_AGE},
            )
        return value

    def clean_phone(self):
        return normalize_mobile(self.cleaned_data["phone"], self.country)

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_workplace_name(self):
        return " ".join(self.cleaned_data.get("workplace_name", "").split())

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise ValidationError(_("This form could not be sent. Please try again."), code="honeypot")
        return ""

    def clean(self):
        data = super().clean()
        if not data.get("addition") and getattr(self, "_inline_addition", ""):
            data["addition"] = self._inline_addition
        if not data.get("works_here"):
            # Typed, then "I live here" chosen after all: a home has no business name.
            data["workplace_name"] = ""
        return data

    @property
    def is_spam(self) -> bool:
        return any(e.code == "honeypot" for e in self.errors.as_data().get("website", []))
