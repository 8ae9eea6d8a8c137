"""The forms of the street-sign workflow, one per step, shared by every page that takes it."""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import StreetSign
from .permissions import requesting_groups

# A coordinate as people type it: a decimal point or a decimal comma (as Dutch and French speakers
# write), a sign, spaces around it. Nothing else: "50,7,3" is not read as 50.7, nor "1e3" as 1000.
# static/js/place-pin.js reads the fields the same way before it places the pin.
_COORDINATE = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)")


class CoordinateField(forms.FloatField):
    """A latitude or longitude, typed with a decimal point or comma. Every refusal says the one
    message in ``error_messages["invalid"]``, which names the field and an example of it."""

    def __init__(self, *, limit: float, **kwargs):
        super().__init__(min_value=-limit, max_value=limit, **kwargs)

    def to_python(self, value):
        if isinstance(value, (int, float)):
            return float(value)
        text = str(value if value is not None else "").strip().replace("\u2212", "-")
        if text in self.empty_values:
            return None
        if not _COORDINATE.fullmatch(text):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return float(text.replace(",", "."))

    def run_validators(self, value):
        try:
            super().run_validators(value)
        except forms.ValidationError:
            # Out of range: the same words as for a typing error, with the range and an example.
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class SignRequestForm(forms.Form):
    """Where a sign should stand and which group it announces. The map puts the pin into
    ``lat`` and ``lon``; without JavaScript they are typed."""

    group = forms.ModelChoiceField(label=_("Group the sign announces"), queryset=None)
    road = forms.CharField(
        label=_("Road"),
        max_length=160,
        help_text=_("The street or entry road where the sign should stand."),
    )
    lat = CoordinateField(
        limit=90,
        label=_("Latitude"),
        help_text=_("For example 50.7512. The map fills it in when you tap it."),
        error_messages={
            "invalid": _("Enter the latitude as a number between -90 and 90, such as 50.7512."),
            "required": _("Tap the spot on the map or type its latitude."),
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    lon = CoordinateField(
        limit=180,
        label=_("Longitude"),
        help_text=_("For example 5.3104."),
        error_messages={
            "invalid": _("Enter the longitude as a number between -180 and 180, such as 5.3104."),
            "required": _("Tap the spot on the map or type its longitude."),
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    note = forms.CharField(
        label=_("Note for the municipality"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = requesting_groups(user).select_related("municipality").order_by("name")
        self.fields["group"].error_messages["invalid_choice"] = _("Choose one of your own groups.")

    def clean_road(self) -> str:
        return " ".join(self.cleaned_data["road"].split())


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the sign is declined; the admin who asked reads it.")},
    )


class PlacementForm(forms.Form):
    placed_on = forms.DateField(label=_("Placed on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    photo = forms.FileField(
        label=_("Photo of the sign"),
        required=False,
        help_text=_("JPEG, PNG or WebP. Its location and camera data are removed."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def clean_placed_on(self):
        day = self.cleaned_data["placed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The placement date cannot be in the future."))
        return day


class StateNoteForm(forms.Form):
    """Damaged or removed, with what the coordinator wants to say about it."""

    note = forms.CharField(label=_("Note"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class PrintForm(forms.Form):
    """Which printable: the A4 poster or the A5 flyer, in which language, for the group or one
    of its signs."""

    FORMATS = (("poster", _("Poster (A4)")), ("flyer", _("Flyer (A5)")))

    format = forms.ChoiceField(label=_("Format"), choices=FORMATS, initial="poster")
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    sign = forms.ModelChoiceField(
        label=_("Street sign"),
        queryset=StreetSign.objects.none(),
        required=False,
        empty_label=_("none: the group's own code"),
        help_text=_("With a sign, the code counts the scans of that sign."),
    )

    def __init__(self, *args, group, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sign"].queryset = group.street_signs.filter(
            state__in=[StreetSign.State.APPROVED, StreetSign.State.PLACED, StreetSign.State.DAMAGED]
        ).order_by("road")
        self.fields["sign"].error_messages["invalid_choice"] = _("Choose one of the group's signs.")
        self.fields["language"].error_messages["invalid_choice"] = _("Choose Dutch, French or English.")
        self.fields["format"].error_messages["invalid_choice"] = _("Choose the poster or the flyer.")
