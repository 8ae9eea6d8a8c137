"""The address register that lookups use: postcode + house number (+ addition) → point."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.municipalities.models import Country, Municipality

from .normalize import house_number_text


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
        return f"{self.street} {self.number_text}, {self.postcode} {self.town}"

    @property
    def number_text(self) -> str:
        """``12``, ``12A``, ``12-2``, ``12 bus 2``: as on the door (``normalize.house_number_text``)."""
        return house_number_text(self.house_number, self.addition, self.country)


class AddressImport(models.Model):
    """One run of ``import_addresses`` and what it committed (ADR 0019). Each writing connection
    records its part of every batch (:class:`AddressImportPart`) in the transaction that commits
    that part's rows, so after a kill the parts say exactly which lines are in the register."""

    class Outcome(models.TextChoices):
        RUNNING = "running", _("running, or stopped without a word")
        DONE = "done", _("done")
        FAILED = "failed", _("stopped on an error")
        REDONE = "redone", _("completed by a later import of the same file")

    file = models.CharField(_("file"), max_length=255)
    size = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.RUNNING, db_index=True)
    lines = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("address import")
        verbose_name_plural = _("address imports")

    def __str__(self) -> str:
        return f"{self.file} ({self.outcome})"


class AddressImportPart(models.Model):
    """One writer's part of one batch, written in the same transaction as its rows."""

    run = models.ForeignKey(AddressImport, on_delete=models.CASCADE, related_name="parts")
    batch = models.PositiveIntegerField()  # 1, 2, … in the order of the file
    part = models.PositiveSmallIntegerField()  # the writer
    parts = models.PositiveSmallIntegerField()  # how many writers the batch went to
    first_line = models.PositiveIntegerField()
    last_line = models.PositiveIntegerField()
    rows = models.PositiveIntegerField()  # addresses of this part
    batch_rows = models.PositiveIntegerField()  # addresses of the whole batch

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "batch", "part"], name="address_import_part_unique")]
        verbose_name = _("part of an address import")
        verbose_name_plural = _("parts of address imports")

    def __str__(self) -> str:
        return f"{self.run_id}: batch {self.batch} part {self.part}/{self.parts}"
