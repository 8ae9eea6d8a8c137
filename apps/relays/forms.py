"""The desk's broadcast form. The rules (who may reach whom) are in broadcasts.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.municipalities.models import Municipality

from .broadcasts import _zones_for, reach_municipality_ids


class BroadcastForm(forms.Form):
    urgency = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            ("red", _("Urgent (red): WhatsApp or SMS now, also at night")),
            ("green", _("Informational (green): e-mail, after each admin's quiet hours")),
        ],
        widget=forms.RadioSelect,
    )
    municipality = forms.ModelChoiceField(label=_("Municipality"), queryset=None, required=False)
    zone = forms.ModelChoiceField(label=_("or police zone"), queryset=None, required=False)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    text = forms.CharField(label=_("Message"), max_length=2000, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        reach = reach_municipality_ids(user)
        municipalities = Municipality.objects.all() if reach is None else Municipality.objects.filter(id__in=reach)
        self.fields["municipality"].queryset = municipalities.order_by("name")
        self.fields["zone"].queryset = _zones_for(user).order_by("name")
