"""The address register that lookups use: postcode + house number (+ addition) → point."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.municipalities.models import Country, Municipality


class Address(models.Model):
    country = models.CharField(_("country"), max_length=2, choices=Country.choices)
    postcode = models.CharField(_("postcode"), max_length=7, help_text=_("normalised: 3870 or 6162 AB"))
    house_number = models.PositiveIntegerField(_("house number"))
    addition = models.CharField(_("addition"), max_length=10, blank=True, default="")
    street = models.CharField(_("street"), max_length=160)
    town = models.CharField(_("town"), max_length=120)
    lat = models.FloatField()
    lon = models.FloatField()
    municipality = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.SET_NULL, related_name="addresses"
    )

    class Meta:
        ordering = ["postcode", "house_number", "addition"]
        # One index serves both the key and the lookups by postcode (+ house number): its columns
        # in that order. Every index on this table is paid per imported row (ADR 0010).
        constraints = [
            models.UniqueConstraint(
                fields=["postcode", "house_number", "addition", "street"], name="address_unique_key"
            ),
        ]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        number = f"{self.house_number}{self.addition}"
        return f"{self.street} {number}, {self.postcode} {self.town}"
