"""Outgoing messages, one row per recipient per event, and the workers that deliver them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .sealing import SealedJSONField, SealedTextField


class OutgoingMessage(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        WHATSAPP = "whatsapp", _("WhatsApp")
        SMS = "sms", _("SMS")

    class Urgency(models.TextChoices):
        RED = "red", _("urgent (red)")
        GREEN = "green", _("informational (green)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        # Never sent: the recipient withdrew before it was due (a member who stopped alerts).
        CANCELLED = "cancelled", _("cancelled")

    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    recipient = models.CharField(_("recipient"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200)
    # The texts wait for their send encrypted (ADR 0022): no usable link in a dump or a backup.
    body = SealedTextField(_("text"))
    topic = models.CharField(max_length=40, help_text="What caused the message, e.g. application.confirm")
    # One message per recipient per event: the key names both.
    dedupe_key = models.CharField(max_length=120, unique=True)
    group_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    municipality_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    urgency = models.CharField(max_length=5, choices=Urgency.choices, blank=True)
    # WhatsApp: business-initiated messages must use a template approved by Meta.
    short_body = SealedTextField(blank=True, help_text="The text for SMS, kept for a fallback to SMS")
    template = models.CharField(max_length=100, blank=True)
    template_params = SealedJSONField(default=list, blank=True)
    language = models.CharField(max_length=5, blank=True)
    user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # A resident (a group member who agreed to alerts) instead of a staff user.
    member_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # The message this one replaces on the recipient's next channel after a permanent failure.
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="fallbacks")
    possible_repeat = models.BooleanField(
        default=False, help_text="Its worker died while sending: it may already have arrived once."
    )
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # When this claim's send began: set just before the row is handed to its transport
    # (``queueing.mark_sending``), cleared by the embedded worker's claim. A row of a dead worker
    # without it never left, and goes back to the queue unflagged; one with it may have reached
    # the provider, and goes back marked possible_repeat.
    send_started_at = models.DateTimeField(null=True, blank=True)
    # When the secret links in its texts were replaced by "[link removed]": it was sent, cancelled
    # or handed to the recipient's next channel (``sealing.links_removed``). It is not sent again.
    links_removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outgoing_due")]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")

    def __str__(self) -> str:
        return f"{self.topic} → {self.recipient} ({self.status})"


# The channels' values, read once: ``Channel.values`` builds its list anew on every use, and a
# relay reads each admin's channels twice.
CHANNEL_VALUES = tuple(OutgoingMessage.Channel.values)


class WorkerHeartbeat(models.Model):
    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20)
    last_seen = models.DateTimeField(default=timezone.now)
    processed = models.PositiveBigIntegerField(default=0)
    # Set when the worker is known to be gone: its own clean stop, or ``serve`` seeing the
    # process it supervises exit. Cleared by its next beat (a worker that beats is alive).
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")

    def __str__(self) -> str:
        return f"{self.name} {self.last_seen:%H:%M:%S}"


class DeliveryPreference(models.Model):
    """How a staff member wants to be reached: channels in order of preference, WhatsApp
    opt-in (business-initiated WhatsApp messages need it) and quiet hours for green messages."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delivery_preference")
    channels = models.CharField(
        _("channels, most preferred first"), max_length=40, default="whatsapp,sms,email", help_text="comma-separated"
    )
    whatsapp_opt_in = models.BooleanField(_("I agree to receive alerts on WhatsApp"), default=False)
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery preference")
        verbose_name_plural = _("delivery preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.channels}"

    def channel_list(self) -> list[str]:
        return [c.strip() for c in self.channels.split(",") if c.strip() in CHANNEL_VALUES]
