"""Groups: one WhatsApp neighbourhood-watch group each, with its area, admins and capacity, the
invitations to become an admin, and residents' requests to start a group where none exists."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.areas.models import Area
from apps.municipalities.models import Municipality


class Group(models.Model):
    class Status(models.TextChoices):
        FORMING = "forming", _("forming")
        ACTIVE = "active", _("active")
        CLOSED = "closed", _("closed")

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="groups")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="groups")
    name = models.CharField(_("name"), max_length=160)
    slug = models.SlugField(max_length=80, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.FORMING)
    capacity = models.PositiveIntegerField(
        _("capacity"),
        default=settings.BUURTWACHT_DEFAULT_GROUP_CAPACITY,
        validators=[MinValueValidator(2), MaxValueValidator(settings.BUURTWACHT_MAX_GROUP_CAPACITY)],
        help_text=_("Most members the WhatsApp group may have (WhatsApp allows up to 1024)."),
    )
    public_description = models.TextField(_("public description"), blank=True)
    # Secret: shown only to the group's admins and coordinators, and sent to approved members.
    invite_link = models.URLField(_("WhatsApp invite link"), blank=True)
    admins = models.ManyToManyField(settings.AUTH_USER_MODEL, through="GroupAdmin", related_name="admin_of_groups")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["municipality", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__gte=2) & models.Q(capacity__lte=1024), name="group_capacity_range"
            )
        ]
        verbose_name = _("group")
        verbose_name_plural = _("groups")

    def __str__(self) -> str:
        return self.name

    @property
    def is_open_for_applications(self) -> bool:
        return self.status != self.Status.CLOSED


class GroupAdmin(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("admin")
        CO_ADMIN = "co_admin", _("co-admin")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="admin_roles")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_admin_roles")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.ADMIN)
    appointed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        unique_together = [("group", "user")]
        verbose_name = _("group admin")
        verbose_name_plural = _("group admins")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) {self.group}"


class AdminInvitationQuerySet(models.QuerySet):
    def pending(self):
        """Not answered, withdrawn or replaced yet (an expired one is still pending: see ``is_expired``)."""
        return self.filter(status=AdminInvitation.Status.PENDING)


class AdminInvitation(models.Model):
    """An invitation to become admin or co-admin of a group, for an account that is not one of
    the group's municipality (``apps.groups.invitations``). The account becomes admin only when
    its person accepts through the secret link of the e-mail; of that link only the SHA-256 is
    stored (ADR 0006)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for an answer")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        WITHDRAWN = "withdrawn", _("withdrawn")
        EXPIRED = "expired", _("expired")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="admin_invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="admin_invitations")
    role = models.CharField(_("role"), max_length=10, choices=GroupAdmin.Role.choices, default=GroupAdmin.Role.ADMIN)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    # The language the e-mail was written in; the invitation's page speaks it too.
    language = models.CharField(max_length=5, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = AdminInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"], condition=models.Q(status="pending"), name="one_pending_admin_invitation"
            )
        ]
        verbose_name = _("admin invitation")
        verbose_name_plural = _("admin invitations")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}) {self.group} ({self.get_status_display()})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def is_expired(self) -> bool:
        return self.status == self.Status.EXPIRED or (
            self.status == self.Status.PENDING and self.expires_at <= timezone.now()
        )


class GroupRequest(models.Model):
    """A resident asks to start a group where no group covers their address."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        APPROVED = "approved", _("approved")
        DECLINED = "declined", _("declined")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="group_requests")
    full_name = models.CharField(_("full name"), max_length=160)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    postcode = models.CharField(_("postcode"), max_length=7)
    house_number = models.CharField(_("house number"), max_length=16)
    street = models.CharField(_("street"), max_length=160, blank=True)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    wants_to_be_admin = models.BooleanField(_("I would like to be the group's admin"), default=False)
    message = models.TextField(_("message"), blank=True, max_length=2000)
    # The language the resident asked in: the municipality's answer is written in it.
    language = models.CharField(_("language"), max_length=5, default="nl", choices=settings.LANGUAGES)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("note"), blank=True)
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="requests")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("request to start a group")
        verbose_name_plural = _("requests to start a group")

    def __str__(self) -> str:
        return f"{self.municipality} {self.postcode} {self.house_number} ({self.get_status_display()})"


class GroupRegistration(models.Model):
    """The admin of a WhatsApp group the municipality does not know yet registers it: its area,
    name, size and age, and their own contact details (``apps.groups.registrations``). The
    municipality's coordinator accepts it (an area, an active group and an admin account are
    made) or declines it with a reason. Of the registrant's status link only the SHA-256 is
    stored (ADR 0006)."""

    class Status(models.TextChoices):
        OPEN = "open", _("waiting for the municipality")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="group_registrations")
    group_name = models.CharField(_("name of the WhatsApp group"), max_length=160)
    approximate_size = models.PositiveIntegerField(_("approximate number of members"))
    running_since = models.DateField(_("running since"))
    geometry = models.JSONField(_("area (GeoJSON, WGS84)"))
    area_m2 = models.FloatField(_("surface (m²)"), default=0)
    # The streets chosen on the page without a map, when the area was made from them.
    streets = models.JSONField(default=list, blank=True)
    full_name = models.CharField(_("full name"), max_length=160)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("mobile phone"), max_length=20)
    language = models.CharField(max_length=5, blank=True)
    house_rules_accepted_at = models.DateTimeField()
    house_rules_version = models.PositiveIntegerField(null=True, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The same form sent twice (a double tap, a reload) makes one registration.
    fingerprint = models.CharField(max_length=64, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.SET_NULL, related_name="registrations")
    admin_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint"], condition=models.Q(status="open"), name="one_open_group_registration"
            ),
            models.CheckConstraint(
                condition=models.Q(approximate_size__gte=2) & models.Q(approximate_size__lte=1024),
                name="group_registration_size_range",
            ),
        ]
        verbose_name = _("registration of an existing group")
        verbose_name_plural = _("registrations of existing groups")

    def __str__(self) -> str:
        return f"{self.group_name} ({self.municipality}, {self.get_status_display()})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
