"""Coverage at national scale, computed ahead: covered and uncovered addresses per municipality
and hexagon cell, so the national page and its map layer read a few hundred rows instead of the
whole register. See ``aggregates`` and docs/adr/0011-national-coverage-aggregates.md."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.municipalities.models import Municipality


class RegisterVersion(models.Model):
    """One row whose token changes with every change of the address register (an import, an
    address saved or deleted), as ``areas.AreaIndexVersion`` does for the areas."""

    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("address register version")

    def __str__(self) -> str:
        return self.token


class CoverageState(models.Model):
    """One row: which versions of the areas and the register the cells were computed from, when,
    and whether a computation is running (claimed by a conditional update, so one at a time)."""

    source = models.CharField(max_length=120, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(default=0)
    addresses = models.BigIntegerField(default=0)
    cells = models.IntegerField(default=0)
    running_since = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("coverage computation")

    def __str__(self) -> str:
        return f"{self.source} @ {self.computed_at}"


class CoverageCell(models.Model):
    """Addresses of one municipality in one hexagon at one zoom's size, and how many of them lie
    in an active group's area of that municipality. Addresses without a municipality have
    ``municipality`` empty (and are never covered)."""

    zoom = models.PositiveSmallIntegerField()
    municipality = models.ForeignKey(
        Municipality, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    q = models.IntegerField()
    r = models.IntegerField()
    lon = models.FloatField(help_text="centre of the hexagon")
    lat = models.FloatField()
    addresses = models.PositiveIntegerField()
    covered = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["zoom", "lon", "lat"], name="coverage_cell_zoom_lon_lat")]
        verbose_name = _("coverage cell")
        verbose_name_plural = _("coverage cells")

    def __str__(self) -> str:
        return f"{self.zoom}/{self.q}/{self.r} ({self.municipality_id}): {self.covered}/{self.addresses}"
