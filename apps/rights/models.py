"""Residents' rights without an account: the secret link to one's own data, and the removals from
WhatsApp groups that an erasure leaves on the admins' desk."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.groups.models import Group


class AccessLink(models.Model):
    """A link sent to an e-mail address that opens what Buurtwacht holds for it. Only the SHA-256
    of its 32 random bytes is kept (ADR 0006, 0022); the address is cleared once everything
    for it was erased."""

    email = models.EmailField(_("e-mail"), blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    language = models.CharField(max_length=5, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # When the data it opened was erased: the link opens nothing any more.
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("link to one's own data")
        verbose_name_plural = _("links to one's own data")

    def __str__(self) -> str:
        return f"access link #{self.pk}"


class WhatsAppRemovalQuerySet(models.QuerySet):
    def open(self):
        return self.filter(done_at__isnull=True)


class WhatsAppRemoval(models.Model):
    """A number the group's admin must remove from the WhatsApp group (Buurtwacht cannot): the
    person left or had their data erased. The number is kept only until the admin confirms."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="+")
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = WhatsAppRemovalQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("removal from a WhatsApp group")
        verbose_name_plural = _("removals from WhatsApp groups")

    def __str__(self) -> str:
        return f"removal #{self.pk} from {self.group_id}"
