"""The admins' network of a municipality: who sees whose contact details, and which
municipalities share their directory with their neighbours."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.messaging.models import OutgoingMessage
from apps.municipalities.models import Municipality


class ContactSharing(models.Model):
    """What an admin lets the other admins of the network see of their contact details. Without
    a row: nothing but their name and group. (The municipality's coordinators and the police of
    its zone see an admin's contact details anyway: they reach the admins with alerts.)"""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_sharing")
    show_email = models.BooleanField(_("my e-mail address"), default=False)
    show_phone = models.BooleanField(_("my mobile phone number"), default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("contact details shared in the network")
        verbose_name_plural = _("contact details shared in the network")

    def __str__(self) -> str:
        return f"{self.user}: e-mail {self.show_email}, phone {self.show_phone}"


class NetworkSettings(models.Model):
    """A municipality's choices for its admins' network."""

    municipality = models.OneToOneField(Municipality, on_delete=models.CASCADE, related_name="network_settings")
    share_with_neighbours = models.BooleanField(
        _("show our admins to the neighbouring municipalities' network"),
        default=False,
        help_text=_(
            "The admins, coordinators and police of municipalities whose areas border ours (also across the "
            "border) then see our admins' names and groups, and the contact details each admin chose to share."
        ),
    )
    admins_group_link = models.URLField(
        _("WhatsApp group of the admins"),
        blank=True,
        help_text=_("The invitation link of the overarching WhatsApp group of admins, if the municipality keeps one."),
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("settings of the admins' network")
        verbose_name_plural = _("settings of the admins' network")

    def __str__(self) -> str:
        return f"{self.municipality}: share {self.share_with_neighbours}"


class AdminMessage(models.Model):
    """A coordinator's message to the admins and co-admins of the municipality's groups, or of
    the groups in some of its sub-municipalities (the coverage definition: an area that overlaps
    the sub-municipality for real). Each admin acknowledges it through a secret link."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="admin_messages")
    # Empty: every group of the municipality.
    sub_municipalities = models.ManyToManyField(
        "municipalities.SubMunicipality", blank=True, related_name="+", verbose_name=_("sub-municipalities")
    )
    urgency = models.CharField(_("urgency"), max_length=5, choices=OutgoingMessage.Urgency.choices)
    subject = models.CharField(_("subject"), max_length=200)
    text = models.TextField(_("text"), max_length=2000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    sender_name = models.CharField(max_length=160, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # SHA-256 of what was asked; the same request of the same sender within the repeat window,
    # or with the same one-time form key, is answered with this message (as broadcasts, ADR 0025).
    request_hash = models.CharField(max_length=64, blank=True, editable=False)
    request_key = models.CharField(max_length=300, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_by", "request_hash", "created_at"], name="adminmessage_repeat"),
            models.Index(fields=["created_by", "request_key"], name="adminmessage_request_key"),
        ]
        verbose_name = _("message to the admins")
        verbose_name_plural = _("messages to the admins")

    def __str__(self) -> str:
        return f"{self.municipality}: {self.subject}"


class AdminMessageRecipient(models.Model):
    """One admin or co-admin who was sent the message, with its delivery and acknowledgement."""

    admin_message = models.ForeignKey(AdminMessage, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    name = models.CharField(max_length=160)
    groups = models.ManyToManyField("groups.Group", related_name="+", blank=True)
    channel = models.CharField(max_length=10, blank=True)
    message = models.OneToOneField(
        OutgoingMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="admin_message_recipient"
    )
    # SHA-256 of the secret in the acknowledgement link; the secret itself is only in the message.
    ack_key_hash = models.CharField(max_length=64, unique=True)
    language = models.CharField(max_length=5, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["admin_message", "name", "id"]
        verbose_name = _("recipient of a message to the admins")
        verbose_name_plural = _("recipients of a message to the admins")

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
