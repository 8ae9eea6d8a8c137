"""Incidents (meldingen): what someone saw, where and when, after calling the police first."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.areas.models import Area
from apps.groups.models import Group
from apps.municipalities.models import Country, Municipality


class Incident(models.Model):
    class Category(models.TextChoices):
        SUSPICIOUS_PERSON = "suspicious_person", _("suspicious person")
        SUSPICIOUS_VEHICLE = "suspicious_vehicle", _("suspicious vehicle")
        BURGLARY = "burglary", _("burglary")
        ATTEMPTED_BURGLARY = "attempted_burglary", _("attempted burglary")
        THEFT = "theft", _("theft")
        VANDALISM = "vandalism", _("vandalism")
        DOORSTEP_DECEPTION = "doorstep_deception", _("door-to-door deception")
        FIRE = "fire", _("fire")
        MISSING_PERSON = "missing_person", _("missing person")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="incidents")
    # The area the point lies in (any municipality, either country), when one covers it.
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents")
    # The group it was reported in (the reporter's group), whose admins hear the police's feedback.
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents")
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    occurred_at = models.DateTimeField(_("when"))
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    text = models.TextField(_("what happened"), max_length=4000)
    police_called = models.BooleanField(_("the police was called first"), default=False)
    police_reference = models.CharField(_("police reference"), max_length=60, blank=True)
    # Signalement: behaviour and appearance, never origin.
    person_sex = models.CharField(_("sex"), max_length=20, blank=True)
    person_height = models.CharField(_("height"), max_length=40, blank=True)
    person_build = models.CharField(_("build"), max_length=60, blank=True)
    person_clothing = models.CharField(_("clothing"), max_length=200, blank=True)
    person_face = models.CharField(_("face, hair"), max_length=200, blank=True)
    vehicle_colour = models.CharField(_("colour"), max_length=40, blank=True)
    vehicle_make = models.CharField(_("make"), max_length=60, blank=True)
    vehicle_type = models.CharField(_("type"), max_length=60, blank=True)
    vehicle_plate = models.CharField(_("licence plate"), max_length=20, blank=True, db_index=True)
    vehicle_plate_country = models.CharField(_("country of the plate"), max_length=2, blank=True)
    # Words for origin, ethnicity or religion the sender was shown and chose to keep.
    profiling_words = models.JSONField(_("words kept after the reminder"), default=list, blank=True)
    profiling_confirmed_at = models.DateTimeField(null=True, blank=True)
    profiling_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    police_feedback = models.TextField(_("police feedback"), blank=True, max_length=4000)
    feedback_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="reported_incidents"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def plate_country_name(self) -> str:
        """The plate's country in the active language ("België", "Belgique"), not its code."""
        code = self.vehicle_plate_country
        return str(Country(code).label) if code in Country.values else code

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lon is not None

    def person(self) -> dict[str, str]:
        return {
            "sex": self.person_sex,
            "height": self.person_height,
            "build": self.person_build,
            "clothing": self.person_clothing,
            "face": self.person_face,
        }

    def vehicle(self) -> dict[str, str]:
        return {
            "colour": self.vehicle_colour,
            "make": self.vehicle_make,
            "type": self.vehicle_type,
            "plate": self.vehicle_plate,
            "plate_country": self.vehicle_plate_country,
        }

    def summary_lines(self) -> list[str]:
        """The incident as plain text lines for a message (no personal data of the reporter)."""
        lines = [
            f"{self.get_category_display()} — {timezone.localtime(self.occurred_at):%d-%m-%Y %H:%M}",
            self.address or (f"{self.lat:.5f}, {self.lon:.5f}" if self.has_point else ""),
            "",
            self.text,
        ]
        person = [v for v in self.person().values() if v]
        if person:
            lines += ["", gettext("Person: %(description)s") % {"description": ", ".join(person)}]
        vehicle = [self.vehicle_colour, self.vehicle_make, self.vehicle_type, self.vehicle_plate]
        if any(vehicle):
            lines += ["", gettext("Vehicle: %(description)s") % {"description": ", ".join(v for v in vehicle if v)}]
        return lines


class ProfilingTerm(models.Model):
    """A word a municipality adds to the built-in list of words for origin, ethnicity or
    religion (``profiling.TERMS``). Ending in ``*``, it matches every word that begins so."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="profiling_terms")
    term = models.CharField(
        _("word"),
        max_length=60,
        help_text=_(
            "Matched from the start of a word, without regard to case or accents. End it with * to match "
            "every word that begins so (marokk* matches Marokkaanse)."
        ),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["municipality", "term"]
        verbose_name = _("word to point out in reports")
        verbose_name_plural = _("words to point out in reports")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "term"], name="incidents_profilingterm_unique"),
        ]

    def __str__(self) -> str:
        return self.term

    def clean(self):
        from django.core.exceptions import ValidationError

        from .profiling import clean_term

        self.term = clean_term(self.term)
        if not self.term:
            raise ValidationError({"term": _("Enter a word.")})


def _attachment_storage():
    from django.conf import settings
    from django.core.files.storage import FileSystemStorage

    return FileSystemStorage(location=settings.BUURTWACHT_ATTACHMENT_DIR, base_url=None)


class IncidentAttachment(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", _("photo")
        VIDEO = "video", _("video")
        AUDIO = "audio", _("audio")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    content_type = models.CharField(max_length=40)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    # Stored under a random name outside the web root; served only through the desk.
    file = models.FileField(storage=_attachment_storage, upload_to="incidents/%Y/%m/")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["incident", "created_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return f"{self.kind} {self.size} B"
