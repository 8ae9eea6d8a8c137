"""The desk's broadcast form. The rules (who may reach whom) are in broadcasts.py."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.municipalities.models import Municipality

from .broadcasts import _zones_for, reach_municipality_ids


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
