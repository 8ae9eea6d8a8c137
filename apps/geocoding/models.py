"""Which geocoder a municipality uses: its own address register (the default), PDOK's
Locatieserver (the Netherlands) or the Flemish address register (Flanders)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.municipalities.models import Municipality


class GeocoderChoice(models.Model):
    class Kind(models.TextChoices):
        REGISTER = "register", _("Buurtwacht's address register")
        PDOK = "pdok", _("PDOK Locatieserver (NL)")
        VLAANDEREN = "vlaanderen", _("Flemish address register (BE)")

    municipality = models.OneToOneField(Municipality, on_delete=models.CASCADE, related_name="geocoder")
    kind = models.CharField(_("geocoder"), max_length=20, choices=Kind.choices, default=Kind.REGISTER)

    class Meta:
        verbose_name = _("geocoder of a municipality")
        verbose_name_plural = _("geocoders of municipalities")

    def __str__(self) -> str:
        return f"{self.municipality}: {self.get_kind_display()}"
