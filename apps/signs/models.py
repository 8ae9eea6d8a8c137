"""Street signs (buurtpreventieborden) at the entry roads of covered areas."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.groups.models import Group
from apps.municipalities.models import Municipality


class StreetSign(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="street_signs")
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="street_signs")
    road = models.CharField(_("road"), max_length=160)
    lat = models.FloatField()
    lon = models.FloatField()
    placed_on = models.DateField(_("placed on"), null=True, blank=True)

    class Meta:
        ordering = ["municipality", "road"]
        verbose_name = _("street sign")
        verbose_name_plural = _("street signs")

    def __str__(self) -> str:
        return f"{self.road} ({self.municipality})"
