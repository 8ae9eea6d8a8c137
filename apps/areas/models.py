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


class AreaNeighbour(models.Model):
    """Two areas that touch or lie within the neighbour distance of each other, across
    municipal and national borders. Stored in both directions; recomputed when areas change."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="neighbour_links")
    neighbour = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="+")
    distance_m = models.FloatField(help_text="0 when the areas touch or overlap")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["area", "neighbour"], name="area_neighbour_unique")]
        verbose_name = _("neighbouring area")
        verbose_name_plural = _("neighbouring areas")

    def __str__(self) -> str:
        return f"{self.area_id} ~ {self.neighbour_id} ({self.distance_m:.0f} m)"
