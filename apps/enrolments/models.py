"""Enrolments: people an admin brings in from an existing group's member list, who have not
confirmed yet. Each gets a personal link; confirming makes them a member, declining or not
answering in time erases their data (the row keeps only its status, for the admin's progress)."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.groups.models import Group

# The fields a member list's columns map to, in the order the mapping page shows them.
FIELDS = ("full_name", "street", "house_number", "postcode", "town", "phone", "email")
REQUIRED_FIELDS = ("full_name", "house_number", "postcode", "phone")


class ColumnMapping(models.Model):
    """The mapping an admin chose for a group's last file, offered again for the next one:
    field → the header text of its column."""

    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="enrolment_mapping")
    columns = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.group}: {', '.join(self.columns)}"


class EnrolmentImport(models.Model):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("columns to map")
        CHECKED = "checked", _("checked, not sent")
        INVITING = "inviting", _("sending the invitations")
        INVITED = "invited", _("invitations sent")
        CANCELLED = "cancelled", _("cancelled")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="enrolment_imports")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    original_name = models.CharField(_("file"), max_length=200)
    kind = models.CharField(max_length=4)
    # The uploaded file while it is mapped and checked; removed once invited or cancelled.
    path = models.CharField(max_length=500, blank=True, editable=False)
    headers = models.JSONField(default=list)
    row_count = models.PositiveIntegerField(default=0)
    # field → column index, as chosen on the mapping page.
    mapping = models.JSONField(default=dict)
    # The check's outcome: counts and the bad rows (line numbers and reason codes, no personal data).
    summary = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    invited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("member import")
        verbose_name_plural = _("member imports")

    def __str__(self) -> str:
        return f"#{self.pk} {self.group} ({self.get_status_display()})"


class Enrolment(models.Model):
    class Status(models.TextChoices):
        INVITED = "invited", _("invited")
        REMINDED = "reminded", _("reminded")
        CONFIRMED = "confirmed", _("confirmed")
        DECLINED = "declined", _("declined")
        DROPPED = "dropped", _("dropped (no answer)")

    OPEN_STATUSES = (Status.INVITED, Status.REMINDED)

    source = models.ForeignKey(EnrolmentImport, on_delete=models.CASCADE, related_name="enrolments")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="enrolments")
    line = models.PositiveIntegerField(_("line in the file"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.INVITED)
    # Personal data, emptied when the person declines or is dropped, and once they are a member
    # (the member holds it then).
    full_name = models.CharField(_("full name"), max_length=160, blank=True)
    street = models.CharField(_("street"), max_length=160, blank=True)
    house_number = models.CharField(_("house number"), max_length=16, blank=True)
    postcode = models.CharField(_("postcode"), max_length=7, blank=True)
    town = models.CharField(_("town"), max_length=120, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(_("language"), max_length=5, default="nl", choices=settings.LANGUAGES)
    # The personal link carries a random secret; only its hash is stored. A reminder carries a
    # second one, so the first e-mail's link keeps working.
    key_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    reminder_key_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    invited_at = models.DateTimeField(default=timezone.now)
    reminded_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    member = models.OneToOneField(
        "members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="enrolment"
    )

    class Meta:
        ordering = ["line"]
        indexes = [models.Index(fields=["status", "invited_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "phone"],
                condition=models.Q(status__in=["invited", "reminded"]),
                name="enrolment_one_open_per_phone",
            )
        ]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")

    def __str__(self) -> str:
        return f"#{self.pk} {self.group} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @staticmethod
    def new_key() -> tuple[str, str]:
        key = secrets.token_urlsafe(32)
        return key, Enrolment.hash_key(key)

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
