"""Who looked at an incident, its attachments or the people relayed it: one audit event per page
or API answer that shows them, as for members' and applicants' data (``members.viewed``,
``application.viewed``).

Recorded only once the object was found within the viewer's reach: a refused view (404, 403,
an expired or unknown link) records nothing. The data holds ids and counts, never the text.
``via`` says where it was seen: ``desk``, ``api``, ``relay_link`` (a recipient's secret link,
actor ``PUBLIC``) or ``relay_preview``.
"""

from __future__ import annotations

from collections.abc import Iterable

from apps.audit.models import AuditEvent
from apps.audit.services import record

from .models import Incident, IncidentAttachment


def incident_viewed(actor, incident: Incident, *, via: str, **data) -> AuditEvent:
    return record(
        actor,
        AuditEvent.Action.INCIDENT_VIEWED,
        incident,
        municipality_id=incident.municipality_id,
        group_id=incident.group_id,
        via=via,
        **data,
    )


def incidents_listed(actor, incidents: Iterable[Incident], *, via: str) -> AuditEvent:
    """One event for a list: the ids of the incidents shown on it."""
    incidents = list(incidents)
    ids = [incident.pk for incident in incidents]
    municipality_ids = {incident.municipality_id for incident in incidents}
    return record(
        actor,
        AuditEvent.Action.INCIDENTS_VIEWED,
        municipality_id=municipality_ids.pop() if len(municipality_ids) == 1 else None,
        via=via,
        count=len(ids),
        incident_ids=ids,
    )


def attachment_viewed(actor, attachment: IncidentAttachment, *, via: str, **data) -> AuditEvent:
    incident = attachment.incident
    return record(
        actor,
        AuditEvent.Action.INCIDENT_ATTACHMENT_VIEWED,
        attachment,
        municipality_id=incident.municipality_id,
        group_id=incident.group_id,
        incident_id=incident.pk,
        via=via,
        **data,
    )


def relay_viewed(actor, relay, *, via: str) -> AuditEvent:
    """The sender's view of a relay: its recipients by name, channel and delivery."""
    incident = relay.incident
    return record(
        actor,
        AuditEvent.Action.RELAY_VIEWED,
        relay,
        municipality_id=incident.municipality_id,
        group_id=incident.group_id,
        incident_id=incident.pk,
        via=via,
    )
