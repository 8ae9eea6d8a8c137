"""The forms of incidents. ``IncidentForm`` is the one validation path of a report: the desk's
page binds it to what was typed, the API to what was sent, and ``services.save_incident``
stores what it cleaned. Every rule of a report is written here, once."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.areas import index
from apps.areas.models import Area
from apps.core.actors import is_system
from apps.groups.models import Group
from apps.municipalities.models import Municipality

from . import places, profiling, reach
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
# The address typed on the desk (the API may send it too); the point comes from the register.
ADDRESS_FIELDS = ("street", "house_number", "postcode")
# Where words for origin, ethnicity or religion are pointed out (not the address: street names).
DESCRIPTION_FIELDS = (
    "text",
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
# A pin this close to the typed address marks the exact spot; farther off, the address decides.
PIN_NEAR_ADDRESS_M = 250


def metres_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(h)))


def saar_message(municipality: Municipality) -> str:
    """What the refusal says when the police were not called first, with the country's numbers."""
    return gettext(
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
    street = forms.CharField(
        label=_("Street"), max_length=160, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    house_number = forms.CharField(
        label=_("House number"),
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=10,
        required=False,
        help_text=_("Needed only when the street is outside your municipality or in more than one postcode."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    address = forms.CharField(
        label=_("Address or place"),
        max_length=200,
        required=False,
        help_text=_("For example: behind the church, at the playground. Alone, it is read as an address."),
    )
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
    # Shown once words for origin, ethnicity or religion were pointed out; the API sends it as a boolean.
    profiling_confirmed = forms.BooleanField(label=_("I describe what I saw and keep these words"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.street_choices: list[str] = []
        self.profiling_words: list[str] = []
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
        for name in (*LINE_FIELDS, *ADDRESS_FIELDS):
            data[name] = " ".join(str(data.get(name) or "").split())
        group, municipality = data.get("group"), data.get("municipality")
        if group is not None:
            if municipality is not None and municipality.pk != group.municipality_id:
                self.add_error("municipality", _("The group belongs to another municipality."))
            municipality = group.municipality
        address = self._place(data, group, municipality)
        self._check_reach(data, address)
        fields_fine = not ({"group", "municipality"} & set(self.errors))
        if municipality is None and fields_fine:
            allowed = self.allowed_municipality_ids
            for candidate in (address.municipality if address else None, getattr(data["area"], "municipality", None)):
                if candidate is not None and (allowed is None or candidate.pk in allowed):
                    municipality = candidate
                    break
        if municipality is None and not self.errors:
            self.add_error("municipality", _("Choose the municipality or the group the incident belongs to."))
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
        self._check_profiling(data, municipality)
        return data

    def _place(self, data: dict, group: Group | None, municipality: Municipality | None):
        """Set ``lat``, ``lon``, ``area`` and the address text from the typed address, the pin or
        the group's area, in that order; returns the register's address when one was typed."""
        lat, lon = data.get("lat"), data.get("lon")
        data["area"] = None
        point = None
        if "lat" in self.errors or "lon" in self.errors:
            pass
        elif (lat is None) != (lon is None):
            self.add_error("lat", _("Give both latitude and longitude, or neither."))
        elif lat is not None:
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                self.add_error("lat", _("This point is not on the map."))
            else:
                point = (lat, lon)
        point_refused = "lat" in self.errors or "lon" in self.errors

        if group is not None:
            where = [group.municipality_id]
        elif municipality is not None:
            where = [municipality.pk]
        else:
            where = self.allowed_municipality_ids
        description = data["address"]
        address = None
        if any(data[name] for name in ADDRESS_FIELDS):
            address = self._resolve(
                {name: data[name] for name in ADDRESS_FIELDS}, where, lambda field: field, data["address"]
            )
        elif point is None and description and not point_refused:
            parsed = places.parse_free_text(description)
            if parsed is None:
                self.add_error(
                    "address",
                    _(
                        "We cannot place %(place)s on the map. Give the street and house number, put the pin on the "
                        "map or use your location."
                    )
                    % {"place": description},
                )
            else:
                address = self._resolve(parsed, where, lambda field: "address", "")
        far = address is not None and (
            point is None or metres_between(point[0], point[1], address.lat, address.lon) > PIN_NEAR_ADDRESS_M
        )
        if far:
            point = (address.lat, address.lon)
        # The field that gave the point: where a refusal of the place is shown.
        self._point_field = "lat" if point is not None and not far else self._address_field(data)
        data["lat"], data["lon"] = point if point is not None else (None, None)
        if point is not None:
            hits = index.lookup(point[1], point[0])
            if hits:
                data["area"] = Area.objects.select_related("municipality").get(pk=hits[0].area_id)
        elif group is not None:
            # No place given for one's own group: the group's area (its neighbours can be told).
            data["area"] = group.area
        elif not point_refused and not (set(ADDRESS_FIELDS) | {"address"}) & set(self.errors):
            self.add_error("address", _("Give the address, put the pin on the map, or choose your group."))
        return address

    @staticmethod
    def _address_field(data: dict) -> str:
        return "street" if any(data.get(name) for name in ADDRESS_FIELDS) else "address"

    def _check_reach(self, data: dict, address) -> None:
        """The place must be one the sender looks after (``reach.place_refusal``, ADR 0027)."""
        if data.get("lat") is None or data.get("lon") is None or is_system(self.user):
            return
        refusal = reach.place_refusal(self.user, lat=data["lat"], lon=data["lon"], address=address)
        if refusal:
            self.add_error(self._point_field, ValidationError(refusal, code="outside_reach"))

    def _resolve(self, typed: dict, where, field_for, description: str):
        """The register's address for ``typed``; its refusals go to ``field_for(field)``."""
        try:
            address = places.resolve(municipality_ids=where, **typed)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    target = field_for(field if field in ADDRESS_FIELDS else "house_number")
                    for error in errors:
                        self.add_error(target, error)
            else:
                self.add_error(field_for("street"), exc)
            streets = getattr(exc, "streets", None)
            if streets:
                self.street_choices = list(streets)
            return None
        line = places.address_line(address)
        data_text = f"{line} ({description})" if description else line
        self.cleaned_data["address"] = data_text[:200]
        return address

    def _check_profiling(self, data: dict, municipality: Municipality | None) -> None:
        extra = profiling.terms_of(municipality)
        words = profiling.find((data.get(name) or "" for name in DESCRIPTION_FIELDS), extra)
        data["profiling_words"] = words
        self.profiling_words = words
        if not words or data.get("profiling_confirmed"):
            return
        for name in DESCRIPTION_FIELDS:
            here = profiling.find([data.get(name) or ""], extra)
            if here and name not in self.errors:
                self.add_error(
                    name, _("Words for origin, ethnicity or religion: %(words)s.") % {"words": ", ".join(here)}
                )
        self.add_error("profiling_confirmed", profiling.reminder(words))


class ProfilingTermForm(forms.Form):
    """A word a coordinator adds to the municipality's list (checked by ``services.add_profiling_term``)."""

    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=None)
    term = forms.CharField(
        label=_("Word"),
        max_length=60,
        help_text=_("End it with * to catch every word that begins so: marokk* catches Marokkaanse."),
    )

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        self.fields["municipality"].error_messages["invalid_choice"] = _("Choose one of your municipalities.")
        self.fields["term"].error_messages["required"] = _("Enter a word.")
        only = list(municipalities[:2])
        if len(only) == 1:
            self.fields["municipality"].initial = only[0].pk


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
