"""The forms of meetings, each read by one page: plan or change a meeting, invite, answer (on the
public page, through the link, on the desk), attendance and minutes, cancel. Field rules here;
the rules that need the database or the clock are the services'."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from apps.groups.models import Group
from apps.municipalities.models import SubMunicipality

from .models import MAX_CAPACITY, MAX_PEOPLE, Meeting, Participant


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _number(label, minimum: int, maximum: int, *, required: bool, help_text: str = "") -> forms.IntegerField:
    message = _("Enter a number from %(min)s to %(max)s.") % {"min": minimum, "max": maximum}
    return forms.IntegerField(
        label=label,
        required=required,
        help_text=help_text,
        min_value=minimum,
        max_value=maximum,
        error_messages={"min_value": message, "max_value": message, "invalid": message},
    )


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Meeting.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=160)
    place = forms.CharField(label=_("Place"), max_length=300, help_text=_("The address, and the room if it helps."))
    lat = forms.FloatField(label=_("Latitude (optional)"), required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("Longitude (optional)"), required=False, min_value=-180, max_value=180)
    starts_at = forms.DateTimeField(label=_("Start"), widget=DateTimeInput())
    ends_at = forms.DateTimeField(label=_("End"), widget=DateTimeInput())
    description = forms.CharField(label=_("Description"), required=False, max_length=5000, widget=forms.Textarea)
    capacity = forms.IntegerField(
        label=_("Places (optional)"),
        required=False,
        help_text=_("How many people the room holds; empty: no limit."),
        min_value=1,
        max_value=MAX_CAPACITY,
        error_messages={
            "min_value": _("Enter between 1 and %(limit_value)s places, or leave it empty for no limit.")
            % {"limit_value": MAX_CAPACITY},
            "max_value": _("Enter between 1 and %(limit_value)s places, or leave it empty for no limit.")
            % {"limit_value": MAX_CAPACITY},
        },
    )

    @classmethod
    def initial_of(cls, meeting: Meeting) -> dict:
        return {name: getattr(meeting, name) for name in cls.base_fields}


class InviteForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("By role"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            ("admins", _("all admins and co-admins")),
            ("police", _("the police of the zone")),
            ("coordinators", _("the coordinators")),
        ],
    )
    groups = forms.ModelMultipleChoiceField(
        label=_("The admins of these groups"),
        required=False,
        queryset=Group.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    sub_municipalities = forms.ModelMultipleChoiceField(
        label=_("The admins of the groups in these sub-municipalities"),
        required=False,
        queryset=SubMunicipality.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        municipality = meeting.municipality
        self.fields["groups"].queryset = municipality.groups.exclude(status=Group.Status.CLOSED).order_by("name")
        self.fields["sub_municipalities"].queryset = SubMunicipality.objects.filter(municipality=municipality).order_by(
            "name"
        )

    def clean(self):
        data = super().clean()
        if not (data.get("roles") or data.get("groups") or data.get("sub_municipalities")):
            raise ValidationError(_("Choose whom to invite: a role, a group or a sub-municipality."))
        return data


ANSWERS = [
    (Participant.Answer.YES, _("Yes, I will come")),
    (Participant.Answer.MAYBE, _("Maybe")),
    (Participant.Answer.NO, _("No, I will not come")),
]


class AnswerForm(forms.Form):
    """An answer: on the desk, and through a resident's link."""

    answer = forms.ChoiceField(
        label=_("Will you come?"),
        choices=ANSWERS,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose yes, maybe or no."), "invalid_choice": _("Choose yes, maybe or no.")},
    )
    people = _number(_("Number of people, you included"), 1, MAX_PEOPLE, required=True)


class PublicAnswerForm(AnswerForm):
    """A resident's first answer on an information evening's public page."""

    name = forms.CharField(label=_("Your name"), max_length=120)
    email = forms.EmailField(label=_("Your e-mail address"), help_text=_("We send you a link to change your answer."))
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    field_order = ["name", "email", "answer", "people", "website"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})
        self.fields["name"].widget.attrs.update({"autocomplete": "name"})
        self.fields["email"].widget.attrs.update({"autocomplete": "email"})

    @property
    def is_spam(self) -> bool:
        return any(e.code == "honeypot" for e in self.errors.as_data().get("website", []))

    def clean_website(self):
        if self.cleaned_data.get("website"):
            raise ValidationError(_("This form could not be sent. Please try again."), code="honeypot")
        return ""


class AttendanceForm(forms.Form):
    attendance_count = _number(
        _("Number of people present"),
        0,
        MAX_CAPACITY,
        required=False,
        help_text=_("Empty: the people ticked below, with whom they brought."),
    )
    present = forms.MultipleChoiceField(label=_("Present"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = [
            (p.pk, f"{p.display_name} ({p.get_answer_display()}, {p.people})")
            for p in meeting.participants.select_related("user").order_by("name", "pk")
        ]


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("Minutes"), required=False, widget=forms.Textarea)
    minutes_file = forms.FileField(
        label=_("File with the minutes (optional)"), required=False, help_text=_("A PDF or a photo.")
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (sent to everyone who answered)"), required=False, max_length=300)
