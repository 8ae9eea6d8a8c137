"""The incident form of the desk. It parses what was typed; the rules are in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.municipalities.models import Municipality

from .models import Incident
from .permissions import reporting_groups, reporting_municipality_ids


class IncidentForm(forms.Form):
    police_called = forms.BooleanField(
        label=_("I called the police first"),
        required=False,
        help_text=_("SAAR: Signal, Alarm the police, App, React. Record the incident only after calling the police."),
    )
    police_reference = forms.CharField(label=_("Police reference (if given)"), max_length=60, required=False)
    category = forms.ChoiceField(label=_("Category"), choices=Incident.Category.choices)
    occurred_at = forms.DateTimeField(
        label=_("When"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    group = forms.ModelChoiceField(label=_("Group"), queryset=None, required=False, empty_label=_("(none)"))
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=None,
        required=False,
        empty_label=_("(from the group or the point)"),
    )
    address = forms.CharField(label=_("Address or place"), max_length=200, required=False)
    lat = forms.FloatField(label=_("Latitude"), required=False, widget=forms.NumberInput(attrs={"step": "any"}))
    lon = forms.FloatField(label=_("Longitude"), required=False, widget=forms.NumberInput(attrs={"step": "any"}))
    text = forms.CharField(label=_("What happened"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))
    person_sex = forms.CharField(label=_("Sex"), max_length=20, required=False)
    person_height = forms.CharField(label=_("Height"), max_length=40, required=False)
    person_build = forms.CharField(label=_("Build"), max_length=60, required=False)
    person_clothing = forms.CharField(label=_("Clothing"), max_length=200, required=False)
    person_face = forms.CharField(label=_("Face, hair"), max_length=200, required=False)
    vehicle_colour = forms.CharField(label=_("Colour"), max_length=40, required=False)
    vehicle_make = forms.CharField(label=_("Make"), max_length=60, required=False)
    vehicle_type = forms.CharField(label=_("Type"), max_length=60, required=False)
    vehicle_plate = forms.CharField(
        label=_("Licence plate"),
        max_length=20,
        required=False,
        help_text=_("Belgian (1-ABC-123) or Dutch (XX-999-X) plates are written out for you; a partial plate is fine."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = reporting_groups(user).order_by("name")
        self.fields["municipality"].queryset = Municipality.objects.filter(
            id__in=reporting_municipality_ids(user)
        ).order_by("name")

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        group = data.pop("group")
        municipality = data.pop("municipality")
        data["group_id"] = group.pk if group else None
        data["municipality_id"] = municipality.pk if municipality else None
        return data


class FeedbackForm(forms.Form):
    feedback = forms.CharField(
        label=_("Feedback for the admins"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    close = forms.BooleanField(label=_("Close the incident"), required=False)


class DeliveryPreferenceForm(forms.Form):
    CHANNEL_ORDERS = [
        ("whatsapp,sms,email", _("WhatsApp, then SMS, then e-mail")),
        ("sms,whatsapp,email", _("SMS, then WhatsApp, then e-mail")),
        ("email,whatsapp,sms", _("E-mail, then WhatsApp, then SMS")),
    ]
    channels = forms.ChoiceField(label=_("Urgent (red) messages reach me by"), choices=CHANNEL_ORDERS)
    whatsapp_opt_in = forms.BooleanField(label=_("I agree to receive alerts on WhatsApp"), required=False)
    quiet_start = forms.TimeField(
        label=_("Quiet hours from"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    quiet_end = forms.TimeField(
        label=_("Quiet hours until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Informational (green) messages wait until the end of your quiet hours; urgent ones do not."),
    )

    def clean(self):
        data = super().clean()
        if bool(data.get("quiet_start")) != bool(data.get("quiet_end")):
            raise forms.ValidationError(_("Give both ends of your quiet hours, or neither."))
        return data
