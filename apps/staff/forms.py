"""Forms of the staff desk. They check input only; every change goes through the services."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from apps.applications.models import Application
from apps.areas.crs import CRS_NAMES, SUPPORTED_CRS
from apps.areas.models import Area, ImportJob
from apps.core.phones import normalize_mobile
from apps.groups.models import Group, GroupAdmin, GroupRequest
from apps.messaging.models import OutgoingMessage
from apps.municipalities.models import SubMunicipality


class StaffForm(forms.Form):
    """Labels stand above their fields, so they need no colon after them."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class ApplicationFilterForm(StaffForm):
    # A status the list does not offer (an old bookmark, a hand-made address) is named in words,
    # not echoed as its raw value.
    status = forms.ChoiceField(
        label=_("Status"), required=False, error_messages={"invalid_choice": _("Choose a status from the list.")}
    )
    group = forms.ModelChoiceField(
        label=_("Group"), queryset=Group.objects.none(), required=False, empty_label=_("All groups")
    )

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        # The desk lists only applications whose e-mail address is confirmed
        # (``applications_for``): a filter on the ones still waiting for it would always be empty.
        shown = [(value, label) for value, label in Application.Status.choices if value != Application.Status.SUBMITTED]
        self.fields["status"].choices = [("", _("All statuses")), *shown]
        self.fields["group"].queryset = groups


class StatusFilterForm(StaffForm):
    """A status filter for a list; the choices come from the model being listed."""

    # A status the list does not offer (an old bookmark, a hand-made address) is named in words,
    # not echoed as its raw value.
    status = forms.ChoiceField(
        label=_("Status"), required=False, error_messages={"invalid_choice": _("Choose a status from the list.")}
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), *choices]


def message_filter_form(data) -> StatusFilterForm:
    return StatusFilterForm(data, choices=OutgoingMessage.Status.choices)


def group_request_filter_form(data) -> StatusFilterForm:
    return StatusFilterForm(data, choices=GroupRequest.Status.choices)


class ReasonForm(StaffForm):
    """Rejecting an application or removing a member: the person is told why, so a reason is required."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give a reason.")},
    )

    def __init__(self, *args, label=None, help_text=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["reason"].label = label
        if help_text:
            self.fields["reason"].help_text = help_text


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, area):
        users = [g.name for g in area.groups.all()]
        label = area.name
        if area.sub_municipality_id:
            label += f" ({area.sub_municipality.name})"
        if users:
            label += " – " + _("used by %(groups)s") % {"groups": ", ".join(users)}
        return label


class GroupForm(StaffForm):
    AREA_EXISTING = "existing"
    AREA_DRAW = "draw"
    AREA_UPLOAD = "upload"

    name = forms.CharField(label=_("Name"), max_length=160)
    status = forms.ChoiceField(label=_("Status"), choices=Group.Status.choices)
    capacity = forms.IntegerField(
        label=_("Capacity"),
        min_value=2,
        max_value=settings.BUURTWACHT_MAX_GROUP_CAPACITY,
        initial=settings.BUURTWACHT_DEFAULT_GROUP_CAPACITY,
    )
    invite_link = forms.URLField(
        label=_("WhatsApp invite link (optional)"),
        required=False,
        assume_scheme="https",
        help_text=_("Sent to each approved member. Only admins and coordinators see it."),
    )
    public_description = forms.CharField(
        label=_("Public description (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to residents on the group's public page."),
    )
    area_source = forms.ChoiceField(
        label=_("How do you give the area?"),
        widget=forms.RadioSelect,
        choices=[
            (AREA_EXISTING, _("Choose an existing area")),
            (AREA_DRAW, _("Draw the area on the map (or paste GeoJSON)")),
            (AREA_UPLOAD, _("Upload a GeoJSON file")),
        ],
    )
    existing_area = AreaChoiceField(label=_("Existing area"), queryset=Area.objects.none(), required=False)
    area_name = forms.CharField(
        label=_("Name of the area (optional)"),
        max_length=160,
        required=False,
        help_text=_("For a drawn or uploaded outline. When left empty, the area gets the group's name."),
    )
    geometry = forms.CharField(
        label=_("Outline as GeoJSON"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocomplete": "off"}),
        help_text=_("Drawing on the map fills this in. You can also paste a GeoJSON Polygon here."),
    )
    geojson_file = forms.FileField(
        label=_("GeoJSON file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".geojson,.json,application/geo+json,application/json"}),
    )
    sub_municipality = forms.ModelChoiceField(
        label=_("Sub-municipality (optional)"),
        queryset=SubMunicipality.objects.none(),
        required=False,
        empty_label=_("None"),
        help_text=_(
            "Coverage is counted per sub-municipality. An existing area keeps its own unless you change this field."
        ),
    )

    def __init__(self, *args, municipality, upload_refused: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.upload_refused = upload_refused
        # Only this municipality's areas and sub-municipalities can be chosen: another
        # municipality's area posted by id is "not one of the available choices".
        self.fields["existing_area"].queryset = (
            Area.objects.filter(municipality=municipality).select_related("sub_municipality").prefetch_related("groups")
        )
        self.fields["sub_municipality"].queryset = municipality.sub_municipalities.all()
        # Texts with numbers are filled in here, in the language of the request.
        self.fields["capacity"].help_text = _("Most members the WhatsApp group may have: from 2 to %(max)d.") % {
            "max": settings.BUURTWACHT_MAX_GROUP_CAPACITY
        }
        limit = filesizeformat(settings.BUURTWACHT_MAX_GEOJSON_UPLOAD)
        self.fields["geojson_file"].help_text = _(
            "A Polygon or MultiPolygon in WGS84 (longitude, latitude), at most %(size)s."
        ) % {"size": limit}

    def clean_geojson_file(self):
        upload = self.cleaned_data.get("geojson_file")
        limit = settings.BUURTWACHT_MAX_GEOJSON_UPLOAD
        # The upload handler already dropped a file over the limit; its size is checked here
        # too so the limit holds whatever handlers are installed.
        if self.upload_refused or (upload and upload.size > limit):
            raise ValidationError(
                _("The file is larger than %(size)s. Simplify the area or split it, then upload it again."),
                code="too_large",
                params={"size": filesizeformat(limit)},
            )
        return upload

    def clean(self):
        data = super().clean()
        source = data.get("area_source")
        if source == self.AREA_EXISTING and not data.get("existing_area") and "existing_area" not in self.errors:
            self.add_error("existing_area", _("Choose an area."))
        elif source == self.AREA_DRAW and not (data.get("geometry") or "").strip():
            self.add_error("geometry", _("Draw the area on the map or paste its GeoJSON."))
        elif source == self.AREA_UPLOAD and not data.get("geojson_file") and "geojson_file" not in self.errors:
            self.add_error("geojson_file", _("Choose a GeoJSON file."))
        return data

    def geometry_input(self) -> str | None:
        """The new outline as text, or None when an existing area was chosen."""
        source = self.cleaned_data["area_source"]
        if source == self.AREA_DRAW:
            return self.cleaned_data["geometry"]
        if source == self.AREA_UPLOAD:
            raw = self.cleaned_data["geojson_file"].read()
            try:
                return raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise ValidationError(
                    {"geojson_file": _("The file is not a text file in UTF-8. Export the area as GeoJSON.")}
                ) from exc
        return None


class AppointAdminForm(StaffForm):
    user = forms.CharField(
        label=_("User name or e-mail address"),
        max_length=254,
        help_text=_("For a person who already has an account. Someone without one can be invited below."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=GroupAdmin.Role.choices, initial=GroupAdmin.Role.ADMIN)

    def clean_user(self):
        value = self.cleaned_data["user"].strip()
        users = get_user_model().objects.filter(is_active=True)
        by_name = users.filter(username__iexact=value)
        found = list(by_name[:2]) or list(users.filter(email__iexact=value)[:2])
        if not found:
            raise ValidationError(_("There is no active account with this user name or e-mail address."))
        if len(found) > 1:
            raise ValidationError(_("Several accounts use this e-mail address. Enter the user name instead."))
        return found[0]


class InviteAdminForm(StaffForm):
    """A new admin who has no account yet; the account is made by apps.groups.invitations."""

    full_name = forms.CharField(
        label=_("Full name"), max_length=150, error_messages={"required": _("Enter the full name of the new admin.")}
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        error_messages={"required": _("Enter the e-mail address of the new admin.")},
        help_text=_("The link to choose a password is sent to this address."),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=30,
        error_messages={"required": _("Enter the mobile phone number of the new admin.")},
        help_text=_("Shown to the municipality and the police as the group's contact."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=GroupAdmin.Role.choices, initial=GroupAdmin.Role.ADMIN)

    def __init__(self, *args, country: str = "BE", **kwargs):
        # Two forms share the page: these fields need ids of their own.
        kwargs.setdefault("auto_id", "id_invite_%s")
        super().__init__(*args, **kwargs)
        self.country = country

    def clean_phone(self):
        return normalize_mobile(self.cleaned_data["phone"], default_region=self.country)


class HouseRulesForm(StaffForm):
    """The rules in the municipality's language (required) and, optionally, the same rules in
    the other languages of the site. Whether anything changed is the service's question."""

    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Every applicant accepts this text. Existing members keep the version they accepted."),
    )

    def __init__(self, *args, language: str = "nl", **kwargs):
        super().__init__(*args, **kwargs)
        self.language = language
        names = dict(settings.LANGUAGES)
        self.fields["title"].label = _("Title (%(language)s)") % {"language": names.get(language, language)}
        self.fields["text"].label = _("Text (%(language)s)") % {"language": names.get(language, language)}
        self.translation_languages = [code for code, _name in settings.LANGUAGES if code != language]
        for code in self.translation_languages:
            name = names[code]
            self.fields[f"title_{code}"] = forms.CharField(
                label=_("Title (%(language)s)") % {"language": name}, max_length=200, required=False
            )
            self.fields[f"text_{code}"] = forms.CharField(
                label=_("Text (%(language)s)") % {"language": name},
                widget=forms.Textarea(attrs={"rows": 8, "lang": code}),
                required=False,
                help_text=_("Optional. Without it, pages in this language show the text above."),
            )
            self.fields[f"title_{code}"].widget.attrs["lang"] = code
        self.fields["title"].widget.attrs["lang"] = language
        self.fields["text"].widget.attrs["lang"] = language

    @property
    def translation_fields(self):
        names = dict(settings.LANGUAGES)
        return [(names[code], self[f"title_{code}"], self[f"text_{code}"]) for code in self.translation_languages]

    def translations(self) -> dict[str, dict[str, str]]:
        data = self.cleaned_data
        return {
            code: {"title": data.get(f"title_{code}", ""), "text": data.get(f"text_{code}", "")}
            for code in self.translation_languages
        }


class MunicipalitySettingsForm(StaffForm):
    """The municipality's own choices, set by its coordinators."""

    allows_works_here = forms.BooleanField(
        label=_("Accept applications from people who work in the area"),
        required=False,
        help_text=_(
            "The application form then asks whether the applicant lives or works at the address; someone who works "
            "there gives the address of their workplace. Admins see which it is."
        ),
    )
    # apps/incidents/reach.py: how far outside the areas an incident may be recorded.
    incident_tolerance_m = forms.IntegerField(
        label=_("Distance around the areas for incidents (metres)"),
        required=False,
        min_value=0,
        max_value=5000,
        help_text=_(
            "Admins record incidents in their own groups' areas or at most this far outside them; coordinators and "
            "the police in the municipality's areas or at most this far outside them. From 0 to 5000."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from django.utils.translation import gettext

        wrong = gettext("Give a distance between 0 and %(max)s metres.") % {"max": 5000}
        self.fields["incident_tolerance_m"].error_messages.update(invalid=wrong, min_value=wrong, max_value=wrong)


class GroupRequestDecisionForm(StaffForm):
    APPROVE = "approve"
    DECLINE = "decline"

    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[(APPROVE, _("Approve: a group will be started")), (DECLINE, _("Decline"))],
    )
    note = forms.CharField(
        label=_("Note to the resident (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Added to the e-mail the resident receives."),
    )
    group = forms.ModelChoiceField(
        label=_("Group started for this request (optional)"),
        queryset=Group.objects.none(),
        required=False,
        empty_label=_("No group yet"),
    )

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.DECLINE and data.get("group"):
            self.add_error("group", _("A declined request cannot be linked to a group."))
        return data


class ImportForm(forms.Form):
    """The upload of areas or addresses for a municipality; the worker imports the file."""

    kind = forms.ChoiceField(label=_("The file holds"), choices=ImportJob.Kind.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "Areas and sub-municipalities: GeoJSON, a zipped Shapefile or a GeoPackage (a file of many "
            "municipalities that names each feature's municipality gives only yours). Addresses: CSV with the "
            "columns postcode,house_number,addition,street,town,lat,lon (or x,y with a coordinate system)."
        ),
    )
    crs = forms.TypedChoiceField(
        label=_("Coordinate system"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("as the file says (or WGS84)"))] + [(c, f"EPSG:{c} {CRS_NAMES[c]}") for c in SUPPORTED_CRS],
    )
    name_field = forms.CharField(label=_("Field with the names"), required=False, max_length=60)
    dry_run = forms.BooleanField(label=_("Only check, write nothing (areas, sub-municipalities)"), required=False)
