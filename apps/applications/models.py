"""Applications to join a group, from submission to decision."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.groups.models import Group
from apps.municipalities.models import HouseRulesVersion


class Application(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("waiting for e-mail confirmation")
        CONFIRMED = "confirmed", _("waiting for the admin")
        WAITING = "waiting", _("on the waiting list")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")
        EXPIRED = "expired", _("expired")

    OPEN_STATUSES = (Status.SUBMITTED, Status.CONFIRMED, Status.WAITING)

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="applications")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    full_name = models.CharField(_("full name"), max_length=160)
    street = models.CharField(_("street"), max_length=160)
    house_number = models.CharField(_("house number"), max_length=16)
    postcode = models.CharField(_("postcode"), max_length=7)
    town = models.CharField(_("town"), max_length=120)
    # Data minimisation: the date of birth is checked when the resident applies and not kept;
    # what remains is the day they were found to be 18 or older (empty: not of age when checked).
    age_checked_on = models.DateField(_("18 or older, checked on"), null=True, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, help_text=_("E.164"))
    email = models.EmailField(_("e-mail"))
    # Where the municipality allows it, someone who works in the area applies with the address
    # of their workplace (and, optionally, the name of the business or organisation).
    works_here = models.BooleanField(_("works at this address"), default=False)
    workplace_name = models.CharField(_("name of the business or organisation"), max_length=120, blank=True)
    remark = models.TextField(_("remark"), blank=True, max_length=1000)
    language = models.CharField(_("language"), max_length=5, default="nl", choices=settings.LANGUAGES)
    lat = models.FloatField()
    lon = models.FloatField()
    house_rules_version = models.ForeignKey(HouseRulesVersion, on_delete=models.PROTECT, related_name="+")
    house_rules_accepted_at = models.DateTimeField()
    # The optional consent to police and municipality alerts: when, and the sentence as shown.
    alerts_opt_in_at = models.DateTimeField(_("alerts agreed on"), null=True, blank=True)
    alerts_consent_text = models.TextField(_("alerts consent as shown"), blank=True)
    # The optional "I would like to help as an admin" box: how admins are recruited.
    offers_to_help = models.BooleanField(_("would like to help as an admin"), default=False)
    # The status page link carries a random secret; only its hash is stored.
    access_key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # When the application reached the admin: at the confirmation, or later, when a place became
    # free for it on the waiting list. The expiry and the escalation count from here.
    to_admin_at = models.DateTimeField(null=True, blank=True)
    # When the municipality's coordinators were told that the admins had not decided in time.
    escalated_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(_("reason"), blank=True)
    member = models.OneToOneField(
        "members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="application"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "phone"],
                condition=models.Q(status__in=["submitted", "confirmed", "waiting"]),
                name="application_one_open_per_phone",
            )
        ]
        verbose_name = _("application")
        verbose_name_plural = _("applications")

    def __str__(self) -> str:
        return f"#{self.pk} {self.group} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @staticmethod
    def new_access_key() -> tuple[str, str]:
        key = secrets.token_urlsafe(24)
        return key, Application.hash_key(key)

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
