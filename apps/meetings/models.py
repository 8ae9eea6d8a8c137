"""Meetings a municipality organises: information evenings open to residents, admins' meetings
and consultations with partners; who was invited, who answered, who came, and the minutes."""

from __future__ import annotations

import hashlib
import os
import secrets
import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.municipalities.models import Municipality

# The most people one room holds here; more is a typing error.
MAX_CAPACITY = 5000
# One answer brings at most this many people.
MAX_PEOPLE = 10


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class _AttachmentStorage(FileSystemStorage):
    """The attachments' folder, read from the settings at each use (not once at start)."""

    @property
    def base_location(self):
        return str(settings.BUURTWACHT_ATTACHMENT_DIR)

    @property
    def location(self):
        return os.path.abspath(self.base_location)


def _minutes_storage():
    return _AttachmentStorage(base_url=None)


class Meeting(models.Model):
    class Kind(models.TextChoices):
        INFORMATION_EVENING = "information_evening", _("information evening (open to residents)")
        ADMINS_MEETING = "admins_meeting", _("admins' meeting")
        PARTNER_CONSULTATION = "partner_consultation", _("consultation with partners")

    class State(models.TextChoices):
        PLANNED = "planned", _("planned")
        CANCELLED = "cancelled", _("cancelled")

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=160)
    place = models.CharField(_("place"), max_length=300, help_text=_("The address, and the room if it helps."))
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(_("end"))
    description = models.TextField(_("description"), blank=True)
    capacity = models.PositiveIntegerField(
        _("places"), null=True, blank=True, help_text=_("How many people the room holds; empty: no limit.")
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PLANNED)
    cancel_reason = models.CharField(_("reason"), max_length=300, blank=True)
    # iCalendar: the same UID for ever, SEQUENCE one higher at each change of time or place.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(default=0)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    # After it took place.
    attendance_count = models.PositiveIntegerField(_("number of people present"), null=True, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    minutes_file = models.FileField(storage=_minutes_storage, upload_to="meetings/%Y/%m/", blank=True)
    minutes_content_type = models.CharField(max_length=60, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True) | models.Q(capacity__gte=1, capacity__lte=MAX_CAPACITY),
                name="meeting_capacity_range",
            ),
        ]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%Y-%m-%d})"

    @property
    def is_public(self) -> bool:
        return self.kind == self.Kind.INFORMATION_EVENING

    @property
    def is_cancelled(self) -> bool:
        return self.state == self.State.CANCELLED

    @property
    def has_started(self) -> bool:
        return timezone.now() >= self.starts_at

    @property
    def timezone_name(self) -> str:
        return "Europe/Amsterdam" if self.municipality.country == "NL" else "Europe/Brussels"


class Participant(models.Model):
    """One person invited to, or answering for, a meeting: a staff account (invited by the
    organiser) or a resident (name and e-mail, no account) who answered on the public page."""

    class Answer(models.TextChoices):
        INVITED = "invited", _("no answer yet")
        YES = "yes", _("yes")
        MAYBE = "maybe", _("maybe")
        NO = "no", _("no")
        WAITING = "waiting", _("on the waiting list")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="meeting_invitations"
    )
    name = models.CharField(_("name"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(max_length=5, blank=True)
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices, default=Answer.INVITED)
    people = models.PositiveSmallIntegerField(_("number of people"), default=1)
    # Why a staff member was invited (a role, a group, a sub-municipality), for the organiser.
    invited_as = models.CharField(max_length=200, blank=True)
    waiting_since = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(_("present"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["meeting", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="meeting_one_invitation_per_user"),
            models.CheckConstraint(
                condition=models.Q(people__gte=1, people__lte=MAX_PEOPLE), name="meeting_people_range"
            ),
        ]
        verbose_name = _("participant")
        verbose_name_plural = _("participants")

    def __str__(self) -> str:
        return f"{self.display_name} → {self.meeting} ({self.answer})"

    @property
    def display_name(self) -> str:
        return self.user.display_name if self.user_id else self.name

    @property
    def is_resident(self) -> bool:
        return self.user_id is None


class ParticipantKey(models.Model):
    """A secret link of a resident's answer: only its SHA-256 is kept (ADR 0006). Every e-mail to
    the resident carries a new one, so no e-mail needs a link stored in clear; all of them work
    until the meeting starts."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="keys")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("answer link")
        verbose_name_plural = _("answer links")

    def __str__(self) -> str:
        return f"link of answer {self.participant_id}"

    @classmethod
    def issue(cls, participant: Participant) -> str:
        key = secrets.token_urlsafe(32)
        cls.objects.create(participant=participant, key_hash=hash_key(key))
        return key


class CalendarFeed(models.Model):
    """A staff member's personal calendar feed: the meetings they are invited to. The secret of its
    URL is shown once; only its SHA-256 is kept. A new one replaces the old."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_feed")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"feed of {self.user}"
