"""The relay and broadcast forms.

``RelayForm`` reads what the desk's relay page and the API send (scope, radius, note); the
rules that depend on the incident and the sender are in ``services.preview`` and ``send``.
``BroadcastForm`` is the desk's broadcast form; who may reach whom is in ``broadcasts``.
"""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.municipalities.models import Municipality

from .broadcasts import _zones_for, reach_municipality_ids
from .models import Relay


class RelayForm(forms.Form):
    scope = forms.ChoiceField(
        choices=Relay.Scope.choices,
        required=False,
        error_messages={"invalid_choice": _("Select a valid choice. That choice is not one of the available choices.")},
    )
    radius_m = forms.IntegerField(required=False, error_messages={"invalid": _("Enter a whole number.")})
    note = forms.CharField(required=False, max_length=1000)
    # Red: WhatsApp or SMS at once, also at night; green: e-mail after the quiet hours. None chosen:
    # the sender's own level (``services.default_urgency``). A group admin's red waits for approval.
    urgency = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            ("green", _("Informational (green): e-mail, after each recipient's quiet hours")),
            ("red", _("Urgent (red): WhatsApp or SMS now, also at night")),
        ],
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choose red (urgent) or green (informational).")},
    )
    # The sender keeps words for origin, ethnicity or religion in the note knowingly.
    note_confirmed = forms.BooleanField(label=_("I describe what I saw and keep these words"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].error_messages["max_length"] = _("Keep the note under 1000 characters.")

    def clean(self):
        data = super().clean()
        # A radius alone means "within this radius".
        if not data.get("scope") and data.get("radius_m") is not None:
            data["scope"] = Relay.Scope.RADIUS
        data["scope"] = data.get("scope") or ""
        data["urgency"] = data.get("urgency") or None
        return data

    def service_arguments(self) -> dict:
        """``scope``, ``radius_m``, ``note``, ``note_confirmed`` and ``urgency`` for ``services.send``;
        raises the form's errors as a ValidationError per field."""
        if not self.is_valid():
            raise ValidationError(self.errors.as_data())
        return {key: self.cleaned_data[key] for key in ("scope", "radius_m", "note", "note_confirmed", "urgency")}


class BroadcastForm(forms.Form):
    urgency = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            ("red", _("Urgent (red): WhatsApp or SMS now, also at night")),
            ("green", _("Informational (green): e-mail, after each recipient's quiet hours")),
        ],
        widget=forms.RadioSelect,
    )
    audience = forms.ChoiceField(
        label=_("To whom"),
        choices=[
            ("admins", _("The group admins")),
            ("admins_and_members", _("The group admins and the members who asked for alerts")),
        ],
        initial="admins",
        required=False,  # none chosen: the admins, as before members could be reached
        widget=forms.RadioSelect,
        help_text=_("You see how many people that is before you send. Members' names and numbers are not shown."),
    )
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=None, required=False)
    zone = forms.ModelChoiceField(label=_("or police zone"), queryset=None, required=False)
    # Filled by the map (static/js/area-editor.js finds the form's "geometry" textarea), or pasted.
    geometry = forms.CharField(
        label=_("or a drawn area (GeoJSON)"),
        required=False,
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_("Only the groups within your reach that the area touches are included."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    text = forms.CharField(label=_("Message"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5}))
    # The one-time key the preview gives the form: the same form sent twice makes one broadcast.
    request_key = forms.RegexField(
        regex=r"^[A-Za-z0-9_-]{16,64}$",
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid": _("Check the message again before you send it.")},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        reach = reach_municipality_ids(user)
        municipalities = Municipality.objects.all() if reach is None else Municipality.objects.filter(id__in=reach)
        self.fields["municipality"].queryset = municipalities.order_by("name")
        self.fields["zone"].queryset = _zones_for(user).order_by("name")

    def clean_audience(self) -> str:
        return self.cleaned_data.get("audience") or "admins"

    def clean_geometry(self) -> dict | None:
        text = self.cleaned_data["geometry"].strip()
        if not text:
            return None
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Draw the area as a GeoJSON Polygon."))
        return value
