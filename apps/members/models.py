"""Members: the people in a group, with what the admin needs to add them in WhatsApp."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.groups.models import Group
from apps.municipalities.models import HouseRulesVersion


class MemberQuerySet(models.QuerySet):
    def current(self):
        return self.filter(left_at__isnull=True)

    def receiving_alerts(self):
        """Current members who agreed to police and municipality alerts and have not stopped them."""
        return self.current().filter(alerts_opt_in_at__isnull=False, alerts_opt_out_at__isnull=True)


class Member(models.Model):
    class LeaveReason(models.TextChoices):
        LEFT = "left", _("left the group")
        REMOVED = "removed", _("removed by an admin")
        MOVED = "moved", _("moved away")

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="members")
    full_name = models.CharField(_("full name"), max_length=160)
    street = models.CharField(_("street"), max_length=160)
    house_number = models.CharField(_("house number"), max_length=16)
    postcode = models.CharField(_("postcode"), max_length=7)
    town = models.CharField(_("town"), max_length=120)
    # The date of birth is not kept: only the day the member was found to be 18 or older
    # (carried over from the application).
    age_checked_on = models.DateField(_("18 or older, checked on"), null=True, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, help_text=_("E.164"))
    email = models.EmailField(_("e-mail"))
    # Joined with the address of their workplace (carried over from the application).
    works_here = models.BooleanField(_("works at this address"), default=False)
    workplace_name = models.CharField(_("name of the business or organisation"), max_length=120, blank=True)
    house_rules_version = models.ForeignKey(HouseRulesVersion, on_delete=models.PROTECT, related_name="+")
    house_rules_accepted_at = models.DateTimeField()
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    leave_reason = models.CharField(max_length=10, choices=LeaveReason.choices, blank=True)
    removal_note = models.TextField(_("why removed"), blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Consent to police and municipality alerts (broadcasts). The latest consent: its moment and
    # the sentence agreed to, as shown; every opt-in and opt-out is also in the audit trail.
    alerts_opt_in_at = models.DateTimeField(_("alerts agreed on"), null=True, blank=True)
    alerts_consent_text = models.TextField(_("alerts consent as shown"), blank=True)
    alerts_opt_out_at = models.DateTimeField(_("alerts stopped on"), null=True, blank=True)
    # Who recorded the stop: empty when the member used the link in an alert.
    alerts_opt_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When the member typed the code sent to ``phone`` by SMS: only then do alerts go to the phone
    # (SMS, WhatsApp); until then they go by e-mail (ADR 0029).
    phone_confirmed_at = models.DateTimeField(_("phone number confirmed on"), null=True, blank=True)
    # When the member's personal data was erased at their request (the row stays, without it).
    erased_at = models.DateTimeField(_("erased on"), null=True, blank=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["group", "full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "phone"], condition=models.Q(left_at__isnull=True), name="member_one_current_per_phone"
            )
        ]
        verbose_name = _("member")
        verbose_name_plural = _("members")

    def __str__(self) -> str:
        return f"{self.full_name} ({self.group})"

    @property
    def receives_alerts(self) -> bool:
        return self.left_at is None and self.alerts_opt_in_at is not None and self.alerts_opt_out_at is None

    @property
    def alert_phone(self) -> str:
        """The number alerts may go to by SMS or WhatsApp: only one the member confirmed."""
        return self.phone if self.phone_confirmed_at is not None else ""


class PhoneConfirmation(models.Model):
    """The member's confirmation of their phone number: a secret link (sent by e-mail, only its
    SHA-256 kept) to the page where they type a six-digit code sent by SMS (only an HMAC of it
    kept, keyed with the site's secret: a six-digit code's plain hash would be guessed)."""

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="phone_confirmation")
    # The number the code went to: a code confirms this number only.
    phone = models.CharField(max_length=20)
    link_key_hash = models.CharField(max_length=64, unique=True, editable=False)
    link_expires_at = models.DateTimeField()
    code_hash = models.CharField(max_length=64, blank=True, editable=False)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    # Wrong codes typed for the current code; at the limit a new code is needed.
    tries = models.PositiveSmallIntegerField(default=0)
    # Codes sent since ``codes_since`` (a day's window), to limit new codes.
    codes_sent = models.PositiveSmallIntegerField(default=0)
    codes_since = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("phone number confirmation")
        verbose_name_plural = _("phone number confirmations")

    def __str__(self) -> str:
        return f"phone confirmation of member {self.member_id}"
