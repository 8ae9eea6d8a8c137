"""The forms of incidents. ``IncidentForm`` is the one validation path of a report: the desk's
page binds it to what was typed, the API to what was sent, and ``services.save_incident``
stores what it cleaned. Every rule of a report is written here, once."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from apps.areas import index
from apps.areas.models import Area
from apps.core.actors import is_system
from apps.groups.models import Group
from apps.municipalities.models import Municipality

from .models import Incident
from .permissions import reporting_groups, reporting_municipality_ids
from .plates import normalise_plate

# Single-line texts: runs of spaces, tabs and newlines become one space.
LINE_FIELDS = (
    "address",
    "police_reference",
    "person_sex",
    "person_height",
    "person_build",
    "person_clothing",
    "person_face",
    "vehicle_colour",
    "vehicle_make",
    "vehicle_type",
)
# A clock a few minutes off is not a report from the future.
FUTURE_TOLERANCE = timedelta(minutes=10)


def saar_message(municipality: Municipality) -> str:
    """What the refusal says when the police were not called first, with the country's numbers."""
    return gettext_now(
        "Call the police first (SAAR): %(non_urgent)s, or %(emergency)s when there is danger. "
        "Then record the incident here."
    ) % {
        "non_urgent": municipality.police_non_urgent_number or municipality.police_emergency_number,
        "emergency": municipality.police_emergency_number,
    }


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
        self.user = user
        if is_system(user):
            groups, municipality_ids = Group.objects.all(), None
        else:
            groups, municipality_ids = reporting_groups(user), reporting_municipality_ids(user)
        self.allowed_municipality_ids = municipality_ids
        self.fields["group"].queryset = groups.select_related("municipality").order_by("name")
        self.fields["group"].error_messages["invalid_choice"] = _("Choose one of your groups.")
        municipalities = Municipality.objects.order_by("name")
        if municipality_ids is not None:
            municipalities = municipalities.filter(id__in=municipality_ids)
        self.fields["municipality"].queryset = municipalities
        self.fields["municipality"].error_messages["invalid_choice"] = _("Choose one of your municipalities.")
        self.fields["text"].error_messages["required"] = _("Describe what you saw.")
        self.fields["lat"].error_messages["invalid"] = _("This point is not on the map.")
        self.fields["lon"].error_messages["invalid"] = _("This point is not on the map.")

    def clean_text(self) -> str:
        return self.cleaned_data["text"].strip()

    def clean_occurred_at(self) -> datetime:
        occurred_at = self.cleaned_data["occurred_at"]
        if timezone.is_naive(occurred_at):
            occurred_at = timezone.make_aware(occurred_at)
        if occurred_at > timezone.now() + FUTURE_TOLERANCE:
            raise ValidationError(_("This time lies in the future."), code="future")
        return occurred_at

    def clean(self):
        data = super().clean()
        for name in LINE_FIELDS:
            data[name] = " ".join(str(data.get(name) or "").split())
        group, municipality = data.get("group"), data.get("municipality")
        if group is not None:
            if municipality is not None and municipality.pk != group.municipality_id:
                self.add_error("municipality", _("The group belongs to another municipality."))
            municipality = group.municipality
        lat, lon = data.get("lat"), data.get("lon")
        data["area"] = None
        if "lat" in self.errors or "lon" in self.errors:
            pass
        elif (lat is None) != (lon is None):
            self.add_error("lat", _("Give both latitude and longitude, or neither."))
        elif lat is not None:
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                self.add_error("lat", _("This point is not on the map."))
            else:
                hits = index.lookup(lon, lat)
                if hits:
                    data["area"] = Area.objects.select_related("municipality").get(pk=hits[0].area_id)
        area = data["area"]
        fields_fine = not ({"group", "municipality"} & set(self.errors))
        if municipality is None and area is not None and fields_fine:
            allowed = self.allowed_municipality_ids
            if allowed is None or area.municipality_id in allowed:
                municipality = area.municipality
        if municipality is None and not self.errors:
            self.add_error("municipality", _("Choose the municipality or the group the incident belongs to."))
        if lat is None and "lat" not in self.errors and not data["address"]:
            self.add_error("address", _("Give the address or put a point on the map."))
        if not data.get("police_called"):
            message = (
                saar_message(municipality)
                if municipality
                else _("Call the police first (SAAR), then record the incident.")
            )
            self.add_error("police_called", message)
        data["municipality"] = municipality
        plate = normalise_plate(data.get("vehicle_plate") or "", municipality.country if municipality else "")
        data["vehicle_plate"], data["vehicle_plate_country"] = plate.text, plate.country
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
