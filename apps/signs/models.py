"""Street signs (buurtpreventieborden) at the entry roads of covered areas.

A sign is asked for by an admin of the group it announces (or a coordinator), approved or
declined by a coordinator of the municipality, then placed, and later perhaps damaged or
removed. Each sign has a random ``token``: the QR code on it leads to ``/b/<token>/``, which
counts the scan per day (no IP, no cookie) and goes on to the group's page.
"""

from __future__ import annotations

import os
import secrets

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.groups.models import Group
from apps.municipalities.models import Municipality

# How signs show a coordinate, on every page and in the map's pin text (static/js/place-pin.js,
# toFixed): a decimal point, never a comma (in "50,737000, 5,222000" the comma would separate
# both the decimals and the two numbers), and 6 decimals, about 10 cm.
COORDINATE_DECIMALS = 6


def format_coordinate(value: float) -> str:
    return f"{value:.{COORDINATE_DECIMALS}f}"


def new_token() -> str:
    """12 URL-safe characters from 72 random bits: not guessable, says nothing about anyone."""
    return secrets.token_urlsafe(9)


class PhotoStorage(FileSystemStorage):
    """Photos of signs under ``BUURTWACHT_ATTACHMENT_DIR`` (outside the web root, served only
    through the desk), read from the setting at each use."""

    @property
    def base_location(self):
        return str(settings.BUURTWACHT_ATTACHMENT_DIR)

    @property
    def location(self):
        return os.path.abspath(self.base_location)


def _photo_storage():
    return PhotoStorage(base_url=None)


class StreetSign(models.Model):
    class State(models.TextChoices):
        REQUESTED = "requested", _("requested")
        APPROVED = "approved", _("approved")
        DECLINED = "declined", _("declined")
        PLACED = "placed", _("placed")
        DAMAGED = "damaged", _("damaged")
        REMOVED = "removed", _("removed")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="street_signs")
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="street_signs")
    road = models.CharField(_("road"), max_length=160)
    lat = models.FloatField()
    lon = models.FloatField()
    placed_on = models.DateField(_("placed on"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.REQUESTED)
    note = models.CharField(_("note"), max_length=500, blank=True)
    decline_reason = models.CharField(_("reason"), max_length=500, blank=True)
    token = models.CharField(max_length=16, unique=True, default=new_token, editable=False)
    photo = models.FileField(storage=_photo_storage, upload_to="signs/%Y/%m/", blank=True)
    photo_type = models.CharField(max_length=20, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["municipality", "road"]
        verbose_name = _("street sign")
        verbose_name_plural = _("street signs")
        indexes = [models.Index(fields=["municipality", "state"])]

    def __str__(self) -> str:
        return f"{self.road} ({self.municipality})"

    @property
    def coordinates(self) -> str:
        """Latitude, longitude, as every page shows them: "50.737000, 5.222000"."""
        return f"{format_coordinate(self.lat)}, {format_coordinate(self.lon)}"

    @property
    def group_stopped(self) -> bool:
        """The group it announces is closed (or gone): the sign tells passers-by of no group."""
        return self.group_id is None or self.group.status == Group.Status.CLOSED


class SignScan(models.Model):
    """How often a sign's QR code was scanned on a day: a count, nothing about who."""

    sign = models.ForeignKey(StreetSign, on_delete=models.CASCADE, related_name="scans")
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sign", "-day"]
        constraints = [models.UniqueConstraint(fields=["sign", "day"], name="signs_scan_one_row_per_day")]
        verbose_name = _("scans of a sign")
        verbose_name_plural = _("scans of signs")

    def __str__(self) -> str:
        return f"{self.sign_id} {self.day}: {self.count}"
