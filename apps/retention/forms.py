"""The municipality's retention periods as its coordinators set them (``services.save_policy``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.municipalities.models import RETENTION_DEFAULTS, RETENTION_LIMITS, Municipality

from .services import KINDS, field_name

HELP = {
    "applications": _("Counted from the day the application was sent (unconfirmed) or ended. Default: %(days)d."),
    "members": _("Counted from the day the member left or was removed. Default: %(days)d (six months)."),
    "messages": _(
        "The text of e-mails, SMS and WhatsApp messages is replaced; that a message went out stays. Default: %(days)d."
    ),
    "incidents": _("Counted from the report; photos, videos, sound and relays go with it. Default: %(days)d."),
    "audit": _("Who did what, and who looked at personal data. Default: %(days)d (two years)."),
}


class RetentionForm(forms.Form):
    """One whole number of days per kind, within ``RETENTION_LIMITS``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        message = _("Enter a number of days from %(minimum)d to %(maximum)d.") % RETENTION_LIMITS
        for kind in KINDS:
            name = field_name(kind)
            self.fields[name] = forms.IntegerField(
                label=Municipality._meta.get_field(name).verbose_name,
                min_value=RETENTION_LIMITS["minimum"],
                max_value=RETENTION_LIMITS["maximum"],
                help_text=HELP[kind] % {"days": RETENTION_DEFAULTS[kind]},
                error_messages={
                    "required": message,
                    "invalid": message,
                    "min_value": message,
                    "max_value": message,
                },
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )

    @classmethod
    def initial_for(cls, municipality: Municipality) -> dict:
        return {field_name(kind): getattr(municipality, field_name(kind)) for kind in KINDS}

    def days(self) -> dict[str, int]:
        return {kind: self.cleaned_data[field_name(kind)] for kind in KINDS}
