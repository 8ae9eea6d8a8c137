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


class NeighbourBasis(models.Model):
    """What the stored neighbours were last computed with, for all areas at once: one row.
    The neighbour distance is a setting; when a process finds it differs from this row (the
    setting was changed and the service restarted), every area's neighbours are recomputed
    (``neighbours.recompute_if_basis_changed``)."""

    distance_m = models.FloatField()
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("basis of the neighbours")
        verbose_name_plural = _("basis of the neighbours")

    def __str__(self) -> str:
        return f"{self.distance_m:.0f} m ({self.computed_at:%Y-%m-%d %H:%M})"


class AreaIndexVersion(models.Model):
    """One row whose token changes with every change of the areas. Every process's spatial
    index compares it with the token its tree was built from (at most every
    ``BUURTWACHT_AREA_INDEX_CHECK_MS``), so a change made anywhere reaches every process.
    A random token rather than a counter: a rolled-back change can never look current."""

    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("area index version")

    def __str__(self) -> str:
        return self.token


class ImportJob(models.Model):
    """An import started from the coordinator's upload screen and run by the worker; the screen
    polls its progress."""

    class Kind(models.TextChoices):
        AREAS = "areas", _("areas (GeoJSON, Shapefile zip, GeoPackage)")
        ADDRESSES = "addresses", _("addresses (CSV)")
        SUB_MUNICIPALITIES = (
            "sub_municipalities",
            _("sub-municipalities with their boundaries (GeoJSON, Shapefile zip, GeoPackage)"),
        )

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("refused")
        CANCELLED = "cancelled", _("cancelled")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="import_jobs")
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    path = models.CharField(max_length=500, editable=False)
    original_name = models.CharField(_("file"), max_length=200)
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0)
    # Times a worker started the job; one that stopped the worker twice is not started again.
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    summary = models.TextField(blank=True)
    details = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED, self.Status.CANCELLED)
