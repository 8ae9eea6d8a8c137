"""The admins' network of a municipality: who sees whose contact details, and which
municipalities share their directory with their neighbours."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
