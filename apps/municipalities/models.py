"""Municipalities, their sub-municipalities, police zones, the people who coordinate them,
and the house rules (code of conduct) each municipality publishes."""

from __future__ import annotations

from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Country(models.TextChoices):
    BE = "BE", _("Belgium")
    NL = "NL", _("Netherlands")


# What residents must call before they post in the group (SAAR: Alarm the police first).
POLICE_NUMBERS = {
    Country.BE: {"emergency": "112", "non_urgent": "101"},
    Country.NL: {"emergency": "112", "non_urgent": "0900-8844"},
}


# How long each kind of personal data is kept, in days, where a municipality chose nothing else
# (and for what belongs to no municipality). Field name on ``Municipality``: ``retention_<kind>_days``.
RETENTION_DEFAULTS = {
    "applications": 30,
    "members": 183,  # six months
    "messages": 30,
    "incidents": 365,
    "audit": 730,  # two years
}
RETENTION_LIMITS = {"minimum": 1, "maximum": 3650}


class Municipality(models.Model):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(unique=True)
    code = models.CharField(
        _("official code"), max_length=20, blank=True, help_text=_("NIS code (BE) or CBS code (NL)")
    )
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    language = models.CharField(_("language"), max_length=5, default="nl", choices=settings.LANGUAGES)
    # BE: 112 for every emergency, 101 for the police (SAAR: "call 101 first"). NL: 112 when
    # there is danger, 0900-8844 for the police when there is none.
    police_emergency_number = models.CharField(_("emergency number"), max_length=20, blank=True)
    police_non_urgent_number = models.CharField(_("police number"), max_length=20, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    # Belgian networks also take people who work in the area: they apply with the address of
    # their workplace. Off unless the municipality's coordinators turn it on.
    allows_works_here = models.BooleanField(
        _("accepts people who work in the area"),
        default=False,
        help_text=_("Residents can then also apply with the address where they work."),
    )
    # How long personal data is kept (days), enforced by ``apps.retention``; the defaults are
    # ``RETENTION_DEFAULTS``.
    retention_applications_days = models.PositiveIntegerField(
        _("unconfirmed, rejected, withdrawn and expired applications (days)"),
        default=RETENTION_DEFAULTS["applications"],
    )
    retention_members_days = models.PositiveIntegerField(
        _("members who left or were removed (days)"), default=RETENTION_DEFAULTS["members"]
    )
    retention_messages_days = models.PositiveIntegerField(
        _("texts of delivered messages (days)"), default=RETENTION_DEFAULTS["messages"]
    )
    retention_incidents_days = models.PositiveIntegerField(
        _("incidents and their photos, videos and sound (days)"), default=RETENTION_DEFAULTS["incidents"]
    )
    retention_audit_days = models.PositiveIntegerField(_("audit trail (days)"), default=RETENTION_DEFAULTS["audit"])
    # How far outside their own groups' areas an admin may place an incident (and a coordinator or
    # the police outside the municipality's areas), in metres: a street just across the border of
    # the area is still the admin's to report (apps/incidents/reach.py).
    incident_tolerance_m = models.PositiveIntegerField(
        _("distance around the areas for incidents (m)"),
        default=500,
        help_text=_("Admins record incidents in their own groups' areas or at most this many metres outside them."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        numbers = POLICE_NUMBERS.get(self.country, {})
        if not self.police_emergency_number:
            self.police_emergency_number = numbers.get("emergency", "112")
        if not self.police_non_urgent_number:
            self.police_non_urgent_number = numbers.get("non_urgent", "")
        super().save(*args, **kwargs)

    @property
    def current_house_rules(self) -> HouseRulesVersion | None:
        return self.house_rules.order_by("-version").first()


class SubMunicipality(models.Model):
    """A deelgemeente (BE) or wijk (NL): the unit coverage is reported by."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="sub_municipalities")
    name = models.CharField(_("name"), max_length=120)
    code = models.CharField(_("official code"), max_length=20, blank=True)
    geometry = models.JSONField(_("boundary (GeoJSON, WGS84)"), null=True, blank=True)

    class Meta:
        ordering = ["municipality", "name"]
        unique_together = [("municipality", "name")]
        verbose_name = _("sub-municipality")
        verbose_name_plural = _("sub-municipalities")

    def __str__(self) -> str:
        return self.name


class PoliceZone(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    municipalities = models.ManyToManyField(Municipality, related_name="police_zones", blank=True)
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("police zone")
        verbose_name_plural = _("police zones")

    def __str__(self) -> str:
        return self.name


class Coordinator(models.Model):
    """A member of the municipality's staff who runs its neighbourhood-watch network."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="coordinator_roles")
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="coordinators")

    class Meta:
        unique_together = [("user", "municipality")]
        verbose_name = _("coordinator")
        verbose_name_plural = _("coordinators")

    def __str__(self) -> str:
        return f"{self.user} @ {self.municipality}"


class PoliceOfficer(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="police_roles")
    zone = models.ForeignKey(PoliceZone, on_delete=models.CASCADE, related_name="officers")

    class Meta:
        unique_together = [("user", "zone")]
        verbose_name = _("police officer")
        verbose_name_plural = _("police officers")

    def __str__(self) -> str:
        return f"{self.user} @ {self.zone}"


class HouseRulesVersion(models.Model):
    """One published version of a municipality's code of conduct. Never edited: a change is
    a new version, so every acceptance points at the exact text that was accepted.

    ``title`` and ``text`` are in ``language``, the municipality's language when it was
    published; a version may also carry the same rules in other languages (``translations``),
    so a Belgian municipality with French speakers publishes nl and fr together."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="house_rules")
    version = models.PositiveIntegerField()
    language = models.CharField(_("language"), max_length=5, default="nl", choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["municipality", "-version"]
        unique_together = [("municipality", "version")]
        verbose_name = _("house rules version")
        verbose_name_plural = _("house rules versions")

    def __str__(self) -> str:
        return f"{self.municipality} v{self.version}"

    def texts(self) -> dict[str, RulesText]:
        """Every language of this version, its own language first."""
        found = {self.language: RulesText(self.language, self.title, self.text)}
        for t in self.translations.all():
            found.setdefault(t.language, RulesText(t.language, t.title, t.text))
        return found

    def in_language(self, language: str | None) -> RulesText:
        """The text in ``language`` (``fr-be`` counts as ``fr``), else in the version's own."""
        texts = self.texts()
        code = (language or "").lower().split("-")[0]
        return texts.get(code) or texts[self.language]


class RulesText(NamedTuple):
    language: str
    title: str
    text: str


class HouseRulesTranslation(models.Model):
    """The rules of one version in another language than the version's own. Never edited."""

    version = models.ForeignKey(HouseRulesVersion, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))

    class Meta:
        ordering = ["version", "language"]
        unique_together = [("version", "language")]
        verbose_name = _("house rules translation")
        verbose_name_plural = _("house rules translations")

    def __str__(self) -> str:
        return f"{self.version} ({self.language})"
