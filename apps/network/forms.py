"""The coordinator's message to the admins' network: one form for the desk (and any other
front end), the rules themselves are in ``messages.send_admin_message``."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.messaging.models import OutgoingMessage
from apps.municipalities.models import SubMunicipality

from .messages import MAX_KEY, MAX_SUBJECT, MAX_TEXT


class AdminMessageForm(forms.Form):
    sub_municipalities = forms.ModelMultipleChoiceField(
        label=_("Sub-municipalities"),
        queryset=SubMunicipality.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: the admins of every group of the municipality."),
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=OutgoingMessage.Urgency.choices,
        initial=OutgoingMessage.Urgency.GREEN,
        widget=forms.RadioSelect,
        help_text=_("Red goes at once by WhatsApp or text message, also at night; green by e-mail after quiet hours."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=MAX_SUBJECT)
    text = forms.CharField(label=_("Text"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 6}))
    request_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=MAX_KEY - 10)

    def __init__(self, *args, municipality, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        # Only this municipality's sub-municipalities: another's, posted by id, is not a choice.
        self.fields["sub_municipalities"].queryset = SubMunicipality.objects.filter(municipality=municipality).order_by(
            "name"
        )
