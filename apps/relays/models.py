"""Relays: an incident passed on to the admins of nearby groups and to the police, with who
acknowledged it."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.groups.models import Group
from apps.incidents.models import Incident
from apps.messaging.models import OutgoingMessage
from apps.municipalities.models import PoliceZone


class Relay(models.Model):
    class Scope(models.TextChoices):
        RADIUS = "radius", _("within a radius")
        NEIGHBOURS = "neighbours", _("neighbouring areas")

    class Status(models.TextChoices):
        SENT = "sent", _("sent")
        HELD = "held", _("waiting for approval")
        APPROVED = "approved", _("approved and sent")
        LOWERED = "lowered", _("sent as green after review")
        REFUSED = "refused", _("refused")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="relays")
    scope = models.CharField(_("scope"), max_length=12, choices=Scope.choices)
    # Red: WhatsApp or SMS at once, also at night; green: e-mail, after each recipient's quiet
    # hours. An admin's red relay waits (HELD, nothing sent) for a coordinator or the police.
    urgency = models.CharField(
        _("urgency"), max_length=5, choices=OutgoingMessage.Urgency.choices, default=OutgoingMessage.Urgency.RED
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SENT, db_index=True)
    # Who it comes from as Buurtwacht knows them: {"role": "admin", "group": …, "municipality": …},
    # {"role": "coordinator", "municipality": …}, {"role": "police", "zone": …} or {"role": "operator"}.
    sender = models.JSONField(default=dict, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    radius_m = models.PositiveIntegerField(_("radius (m)"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=1000)
    # Words for origin, ethnicity or religion the sender kept in the note after the reminder.
    note_profiling_words = models.JSONField(_("words kept after the reminder"), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("relay")
        verbose_name_plural = _("relays")

    def __str__(self) -> str:
        return f"relay {self.pk} of incident {self.incident_id}"

    @property
    def sender_text(self) -> str:
        """Who it comes from, in the active language ("Admin of group X, municipality Y")."""
        from apps.incidents.reach import sender_label

        return sender_label(self.sender) if self.sender else ""


class RelayRecipient(models.Model):
    class Kind(models.TextChoices):
        ADMIN = "admin", _("group admin")
        POLICE = "police", _("police")

    relay = models.ForeignKey(Relay, on_delete=models.CASCADE, related_name="recipients")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    zone = models.ForeignKey(PoliceZone, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    groups = models.ManyToManyField(Group, related_name="+", blank=True)
    name = models.CharField(max_length=160)
    channel = models.CharField(max_length=10, blank=True, help_text="Empty when the recipient has no channel left")
    address = models.CharField(max_length=254, blank=True)
    message = models.OneToOneField(
        OutgoingMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="relay_recipient"
    )
    # SHA-256 of the secret in the acknowledgement link; the secret itself is only in the message.
    ack_key_hash = models.CharField(max_length=64, unique=True)
    # The language the message was written in; the acknowledgement page speaks it too.
    language = models.CharField(max_length=5, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["relay", "kind", "name", "id"]
        verbose_name = _("relay recipient")
        verbose_name_plural = _("relay recipients")

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()


class Broadcast(models.Model):
    """A message of the police or a coordinator to every admin of a municipality, a police zone
    or a drawn area, and when the sender chooses so to the members there who agreed to alerts:
    red (urgent: WhatsApp/SMS now, even at night) or green (e-mail, quiet hours)."""

    class Scope(models.TextChoices):
        MUNICIPALITY = "municipality", _("municipality")
        ZONE = "zone", _("police zone")
        AREA = "area", _("drawn area")

    class Audience(models.TextChoices):
        ADMINS = "admins", _("group admins")
        ADMINS_AND_MEMBERS = "admins_and_members", _("group admins and members who asked for alerts")

    scope = models.CharField(_("scope"), max_length=12, choices=Scope.choices)
    municipality = models.ForeignKey(
        "municipalities.Municipality", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    zone = models.ForeignKey(PoliceZone, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    geometry = models.JSONField(null=True, blank=True)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices, default=Audience.ADMINS)
    urgency = models.CharField(_("urgency"), max_length=5, choices=OutgoingMessage.Urgency.choices)
    subject = models.CharField(_("subject"), max_length=200)
    text = models.TextField(_("text"), max_length=2000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Who sent it, as Buurtwacht knows them when it went out: the sender's name, and the police
    # zone (a police officer) or the municipality (a coordinator) they sent it for; neither for
    # an operator of the installation. Every message names them.
    sender_name = models.CharField(max_length=160, blank=True)
    sender_zone = models.ForeignKey(PoliceZone, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sender_municipality = models.ForeignKey(
        "municipalities.Municipality", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # SHA-256 of what was asked (urgency, audience, scope, subject, text): the same request again
    # within the repeat window, or with the same key, is answered with this broadcast.
    request_hash = models.CharField(max_length=64, blank=True, editable=False)
    # The client's Idempotency-Key (API) or the form's one-time key (desk), per sender.
    request_key = models.CharField(max_length=300, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_by", "request_hash", "created_at"], name="broadcast_repeat"),
            models.Index(fields=["created_by", "request_key"], name="broadcast_request_key"),
        ]
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")

    def __str__(self) -> str:
        return f"{self.urgency} broadcast {self.pk}"


class BroadcastRecipient(models.Model):
    """An admin (by account) or a member (who agreed to alerts). Member rows hold no name: the
    sender sees counts, never who the residents are."""

    class Kind(models.TextChoices):
        ADMIN = "admin", _("group admin")
        MEMBER = "member", _("member")

    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="recipients")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ADMIN)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="broadcasts_received"
    )
    name = models.CharField(max_length=160, blank=True)
    channel = models.CharField(max_length=10, blank=True)
    message = models.OneToOneField(
        OutgoingMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="broadcast_recipient"
    )
    # Members only: SHA-256 of the secret in the message's stop link; the secret is only in the message.
    stop_key_hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)

    class Meta:
        ordering = ["broadcast", "name", "id"]
        verbose_name = _("broadcast recipient")
        verbose_name_plural = _("broadcast recipients")

    def __str__(self) -> str:
        return f"{self.name or self.kind} ({self.channel or '-'})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
