"""Append-only audit trail: who did what to which object, and who looked at personal data."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionDenied("Audit events are append-only.")

    def delete(self):
        raise PermissionDenied("Audit events are append-only.")


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        APPLICATION_SUBMITTED = "application.submitted", _("application submitted")
        APPLICATION_CONFIRMED = "application.confirmed", _("e-mail address confirmed")
        APPLICATION_APPROVED = "application.approved", _("application approved")
        APPLICATION_REJECTED = "application.rejected", _("application rejected")
        APPLICATION_WITHDRAWN = "application.withdrawn", _("application withdrawn")
        APPLICATION_EXPIRED = "application.expired", _("application expired")
        APPLICATION_WAITLISTED = "application.waitlisted", _("application put on the waiting list")
        APPLICATION_PLACE_FREED = "application.place_freed", _("place freed for a waiting application")
        APPLICATION_ESCALATED = "application.escalated", _("application escalated to the coordinators")
        APPLICATION_VIEWED = "application.viewed", _("applications viewed")
        MEMBER_REMOVED = "member.removed", _("member removed")
        MEMBER_LEFT = "member.left", _("member left")
        MEMBER_HOUSE_RULES_ACCEPTED = "member.house_rules_accepted", _("new house rules accepted by a member")
        MEMBER_ALERTS_OPTED_IN = "member.alerts_opted_in", _("member agreed to receive alerts")
        MEMBER_ALERTS_OPTED_OUT = "member.alerts_opted_out", _("member stopped receiving alerts")
        MEMBER_PHONE_CODE_SENT = "member.phone_code_sent", _("code to confirm a phone number sent")
        MEMBER_PHONE_CONFIRMED = "member.phone_confirmed", _("phone number confirmed by the member")
        RIGHTS_LINK_SENT = "rights.link_sent", _("link to one's own data sent")
        RIGHTS_DATA_DOWNLOADED = "rights.downloaded", _("own data downloaded by a resident")
        RIGHTS_ERASED = "rights.erased", _("data erased at the resident's request")
        WHATSAPP_REMOVAL_ASKED = "whatsapp_removal.asked", _("number to remove from a WhatsApp group")
        WHATSAPP_REMOVAL_DONE = "whatsapp_removal.done", _("number removed from a WhatsApp group")
        MEMBERS_VIEWED = "members.viewed", _("member list viewed")
        MEMBERS_EXPORTED = "members.exported", _("member list exported")
        ENROLMENT_IMPORT_UPLOADED = "enrolment.import_uploaded", _("member list uploaded for import")
        ENROLMENT_IMPORT_CHECKED = "enrolment.import_checked", _("member list checked")
        ENROLMENT_IMPORT_CANCELLED = "enrolment.import_cancelled", _("member import cancelled")
        ENROLMENT_INVITED = "enrolment.invited", _("imported people invited to confirm")
        ENROLMENT_REMINDED = "enrolment.reminded", _("imported person reminded")
        ENROLMENT_CONFIRMED = "enrolment.confirmed", _("imported person confirmed and joined")
        ENROLMENT_DECLINED = "enrolment.declined", _("imported person declined; data erased")
        ENROLMENT_DROPPED = "enrolment.dropped", _("imported person did not answer; data erased")
        ENROLMENTS_VIEWED = "enrolment.viewed", _("imported people viewed")
        GROUP_CREATED = "group.created", _("group created")
        GROUP_UPDATED = "group.updated", _("group updated")
        GROUP_ADMIN_APPOINTED = "group.admin_appointed", _("admin appointed")
        GROUP_ADMIN_REMOVED = "group.admin_removed", _("admin removed")
        GROUP_INVITE_VIEWED = "group.invite_viewed", _("invite link viewed")
        GROUP_INVITE_LINK_CHANGED = "group.invite_link_changed", _("invite link changed")
        GROUP_ADMIN_STEPPED_DOWN = "group.admin_stepped_down", _("admin stepped down")
        GROUP_ADMIN_INVITED = "group.admin_invited", _("admin invited")
        GROUP_ADMIN_INVITATION_ACCEPTED = "group.admin_invitation_accepted", _("admin invitation accepted")
        GROUP_ADMIN_INVITATION_DECLINED = "group.admin_invitation_declined", _("admin invitation declined")
        GROUP_ADMIN_INVITATION_WITHDRAWN = "group.admin_invitation_withdrawn", _("admin invitation withdrawn")
        AREA_SAVED = "area.saved", _("area saved")
        SUB_MUNICIPALITY_SAVED = "sub_municipality.saved", _("sub-municipality saved")
        NETWORK_CONTACTS_CHANGED = "network.contacts_changed", _("contact details shared in the network changed")
        NETWORK_SETTINGS_CHANGED = "network.settings_changed", _("settings of the admins' network changed")
        NETWORK_MESSAGE_SENT = "network.message_sent", _("message to the admins' network sent")
        NETWORK_MESSAGE_ACKNOWLEDGED = "network.message_acknowledged", _("message to the admins' network acknowledged")
        POLICE_ZONE_SAVED = "police_zone.saved", _("police zone saved")
        IMPORT_CANCELLED = "import.cancelled", _("import cancelled")
        GROUP_REQUEST_SUBMITTED = "group_request.submitted", _("request to start a group")
        GROUP_REQUEST_DECIDED = "group_request.decided", _("request to start a group decided")
        GROUP_REQUEST_VIEWED = "group_request.viewed", _("request to start a group viewed")
        GROUP_REGISTRATION_SUBMITTED = "group_registration.submitted", _("existing group registered")
        GROUP_REGISTRATION_VIEWED = "group_registration.viewed", _("registration of an existing group viewed")
        GROUP_REGISTRATION_AREA_ADJUSTED = "group_registration.area_adjusted", _("area of a registered group adjusted")
        GROUP_REGISTRATION_ACCEPTED = "group_registration.accepted", _("registration of an existing group accepted")
        GROUP_REGISTRATION_DECLINED = "group_registration.declined", _("registration of an existing group declined")
        MESSAGES_VIEWED = "messages.viewed", _("outgoing messages viewed")
        HOUSE_RULES_PUBLISHED = "house_rules.published", _("house rules published")
        MUNICIPALITY_SETTINGS_CHANGED = "municipality.settings", _("municipality's settings changed")
        API_TOKEN_CREATED = "api_token.created", _("API token created")
        INCIDENT_REPORTED = "incident.reported", _("incident reported")
        INCIDENT_FEEDBACK = "incident.feedback", _("police feedback on an incident")
        INCIDENT_CLOSED = "incident.closed", _("incident closed")
        INCIDENT_ATTACHMENT_ADDED = "incident.attachment", _("attachment added to an incident")
        INCIDENTS_VIEWED = "incidents.viewed", _("incident list viewed")
        INCIDENT_VIEWED = "incident.viewed", _("incident viewed")
        INCIDENT_ATTACHMENT_VIEWED = "incident.attachment_viewed", _("attachment of an incident viewed")
        RELAY_VIEWED = "relay.viewed", _("relay and its recipients viewed")
        PROFILING_WORD_ADDED = "profiling_word.added", _("word to point out in reports added")
        PROFILING_WORD_REMOVED = "profiling_word.removed", _("word to point out in reports removed")
        RELAY_SENT = "relay.sent", _("incident relayed")
        RELAY_ACKNOWLEDGED = "relay.acknowledged", _("relay acknowledged")
        RELAY_HELD = "relay.held", _("red relay held for approval")
        RELAY_APPROVED = "relay.approved", _("red relay approved")
        RELAY_LOWERED = "relay.lowered", _("red relay lowered to green")
        RELAY_REFUSED = "relay.refused", _("red relay refused")
        BROADCAST_SENT = "broadcast.sent", _("broadcast sent")
        SIGN_REQUESTED = "sign.requested", _("street sign requested")
        SIGN_APPROVED = "sign.approved", _("street sign approved")
        SIGN_DECLINED = "sign.declined", _("street sign declined")
        SIGN_PLACED = "sign.placed", _("street sign placed")
        SIGN_DAMAGED = "sign.damaged", _("street sign reported damaged")
        SIGN_REMOVED = "sign.removed", _("street sign removed")
        USER_INVITED = "user.invited", _("account created by invitation")
        USER_LANGUAGE_CHANGED = "user.language_changed", _("language of messages changed")
        USER_LOCKED_OUT = "user.locked_out", _("login paused after repeated wrong passwords")
        RETENTION_APPLIED = "retention.applied", _("personal data past its retention period removed")
        USER_SECOND_FACTOR_ADDED = "user.second_factor_added", _("authenticator app set up")
        USER_SECOND_FACTOR_REMOVED = "user.second_factor_removed", _("authenticator app removed")
        USER_RECOVERY_CODES_RENEWED = "user.recovery_codes_renewed", _("new recovery codes made")
        USER_RECOVERY_CODE_USED = "user.recovery_code_used", _("recovery code used to log in")
        MEETING_CREATED = "meeting.created", _("meeting planned")
        MEETING_UPDATED = "meeting.updated", _("meeting changed")
        MEETING_CANCELLED = "meeting.cancelled", _("meeting cancelled")
        MEETING_INVITED = "meeting.invited", _("invitations to a meeting sent")
        MEETING_ANSWERED = "meeting.answered", _("answer to a meeting")
        MEETING_ANSWER_CHANGED = "meeting.answer_changed", _("answer to a meeting changed")
        MEETING_LINK_RESENT = "meeting.link_resent", _("link to an answer sent again")
        MEETING_MOVED_UP = "meeting.moved_up", _("moved up from a meeting's waiting list")
        MEETING_ATTENDANCE = "meeting.attendance", _("attendance of a meeting recorded")
        MEETING_MINUTES_SAVED = "meeting.minutes", _("minutes of a meeting saved")
        MEETING_REMINDED = "meeting.reminded", _("reminder of a meeting sent")
        MEETING_FEED_CREATED = "meeting.feed_created", _("calendar link made")
        MEETING_RESIDENTS_FORGOTTEN = "meeting.residents_forgotten", _("residents' names removed from a past meeting")

    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    # Who it was, as they were named then: the account may later be deleted.
    actor_label = models.CharField(max_length=150, blank=True, editable=False)
    action = models.CharField(max_length=40, choices=Action.choices, editable=False)
    target_type = models.CharField(max_length=40, editable=False)
    target_id = models.CharField(max_length=40, blank=True, editable=False)
    municipality_id = models.BigIntegerField(null=True, blank=True, db_index=True, editable=False)
    group_id = models.BigIntegerField(null=True, blank=True, db_index=True, editable=False)
    data = models.JSONField(default=dict, blank=True, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_type}:{self.target_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Audit events are append-only.")
