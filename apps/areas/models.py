"""Areas: the polygon a group covers, in WGS84, kept as GeoJSON with its bounding box."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.municipalities.models import Municipality, SubMunicipality


class Area(models.Model):
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="areas")
    sub_municipality = models.ForeignKey(
        SubMunicipality, null=True, blank=True, on_delete=models.SET_NULL, related_name="areas"
    )
    name = models.CharField(_("name"), max_length=160)
    geometry = models.JSONField(_("geometry (GeoJSON Polygon or MultiPolygon, WGS84)"))
    min_lon = models.FloatField(editable=False)
    min_lat = models.FloatField(editable=False)
    max_lon = models.FloatField(editable=False)
    max_lat = models.FloatField(editable=False)
    area_m2 = models.FloatField(_("surface (m²)"), default=0, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["municipality", "name"]
        verbose_name = _("area")
        verbose_name_plural = _("areas")

    def __str__(self) -> str:
        return self.name
