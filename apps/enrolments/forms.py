"""Forms of the member import (the desk) and of the imported person's confirmation."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.members.alerts import ALERTS_CONSENT

from .checks import FIELD_LABELS
from .models import FIELDS, REQUIRED_FIELDS


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Member list (CSV or Excel .xlsx)"),
        help_text=_("One person per row, with a header row. Columns in any order: you choose them next."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )


class MappingForm(forms.Form):
    """One choice per field: a column of the file, or none (for the optional ones)."""

    def __init__(self, *args, headers: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        # Outside the f-string, where the extraction of messages finds it.
        column = _("column %(n)d")
        choices = [("", _("(not in the file)"))] + [
            (str(i), f"{h or '—'} ({column % {'n': i + 1}})") for i, h in enumerate(headers)
        ]
        for name in FIELDS:
            self.fields[name] = forms.TypedChoiceField(
                label=FIELD_LABELS[name],
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                help_text=_("Needed") if name in REQUIRED_FIELDS else _("Optional"),
            )

    def mapping(self) -> dict[str, int]:
        return {k: v for k, v in self.cleaned_data.items() if v is not None}


class ConfirmForm(forms.Form):
    adult = forms.BooleanField(label=_("I am 18 or older."), required=False)
    accept_house_rules = forms.BooleanField(label=_("I have read the house rules and accept them."), required=False)
    house_rules_version = forms.IntegerField(widget=forms.HiddenInput)
    # Optional and unticked: joining the group does not depend on it.
    alerts_opt_in = forms.BooleanField(
        label=ALERTS_CONSENT, required=False, help_text=_("Optional. You can join the group without it.")
    )

    def clean(self):
        data = super().clean()
        if not data.get("adult"):
            self.add_error("adult", _("Tick this box to confirm that you are 18 or older."))
        if not data.get("accept_house_rules"):
            self.add_error("accept_house_rules", _("Tick this box to accept the house rules."))
        return data
