"""Applications: residents apply (public), admins and coordinators read and decide (private).

Applying runs the same ``ApplicationForm`` and ``services.submit`` as the web form, so the
API accepts and refuses exactly what the web page does.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.errors import Throttled
from ninja.throttling import BaseThrottle

from apps.applications import services
from apps.applications.checks import checks
from apps.applications.forms import LIVES_HERE, WORKS_HERE, ApplicationForm
from apps.applications.models import Application
from apps.applications.permissions import applications_for
from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core import form_limits
from apps.groups.models import Group

from .errors import errors_from_django
from .schemas import (
    ApplicationCreated,
    ApplicationDetailOut,
    ApplicationIn,
    ApplicationListQuery,
    ApplicationOut,
    ApplicationPage,
    DetailOut,
    ErrorOut,
    RejectIn,
)

router = Router(tags=["applications"])

PRIVATE_RESPONSES = {401: DetailOut, 404: DetailOut}


class ApplicationRateLimit(BaseThrottle):
    """The web form's limits (``apps.core.form_limits``, the same counters): accepted
    applications per connection and per phone number, refused ones per connection far more
    loosely. The throttle only checks; the handler counts what it accepted or refused, and the
    API's error handlers count a body that never reached it (``count_refused_attempt``)."""

    def allow_request(self, request: HttpRequest) -> bool:
        request._form_limit_kind = FORM_KIND
        self.limited = form_limits.connection_limited(request, FORM_KIND)
        return self.limited is None

    def wait(self) -> int | None:
        return self.limited.seconds if self.limited else None


FORM_KIND = "apply"


def count_refused_attempt(request: HttpRequest) -> None:
    """A refused send to a limited endpoint (bad JSON, a schema error, a form error) counts
    against the loose limit on refused sends."""
    kind = getattr(request, "_form_limit_kind", None)
    if kind:
        form_limits.count_refused(request, kind)


def _form_data(payload: ApplicationIn) -> dict:
    """The JSON body as the raw data the form expects."""
    data = payload.model_dump(exclude={"group"})
    data["birth_date"] = payload.birth_date.isoformat()
    data["house_rules_version"] = str(payload.house_rules_version)
    # The web form's choice between living and working at the address.
    data["works_here"] = WORKS_HERE if payload.works_here else LIVES_HERE
    return {k: "" if v is None else v for k, v in data.items()}


@router.post(
    "/applications",
    auth=None,
    throttle=[ApplicationRateLimit()],
    response={201: ApplicationCreated, 400: ErrorOut, 429: DetailOut},
    exclude_none=True,
    summary="Apply to join a group",
    description=(
        "Checked exactly like the web form. Any refusal answers 400 with messages per field; when the address "
        "lies in another group's area, `right_group` names the group to apply to. A full group is refused on "
        "`waiting_list` with `nearby_groups`, unless `waiting_list` is true. `works_here` is refused unless the "
        "group's municipality accepts people who work in the area. An unknown or closed group is refused on "
        "`group`. The applicant receives an e-mail to confirm their address. Too many applications from one IP "
        "address or for one phone number, or too many refused ones from one IP address, answer 429 with "
        "`Retry-After` and nothing is stored."
    ),
)
def submit_application(request: HttpRequest, payload: ApplicationIn) -> tuple[int, dict]:
    group = Group.objects.select_related("municipality").filter(slug=payload.group).first()
    if group is None:
        raise ValidationError({"group": _("There is no group %(slug)s.") % {"slug": payload.group}})
    if not group.is_open_for_applications:
        raise ValidationError({"group": _("This group no longer takes new members.")})
    form = ApplicationForm(_form_data(payload), country=group.municipality.country)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    limited = form_limits.phone_limited(request, FORM_KIND, form.cleaned_data["phone"])
    if limited:
        raise Throttled(limited.seconds)
    try:
        submitted = services.submit(group, form.cleaned_data, language=translation.get_language())
    except services.WrongArea as exc:
        body = {"errors": errors_from_django(exc)}
        if exc.right_group is not None:
            body["right_group"] = {"slug": exc.right_group.slug, "name": exc.right_group.name}
        count_refused_attempt(request)
        return 400, body
    except services.GroupFull as exc:
        # Said at once, not a 201 and then silence: the waiting list or a group nearby.
        nearby = [{"slug": g.slug, "name": g.name} for g in exc.neighbours]
        count_refused_attempt(request)
        return 400, {"errors": errors_from_django(exc), "nearby_groups": nearby}
    application = submitted.application
    form_limits.count_accepted(request, FORM_KIND, application.phone)
    return 201, {
        "id": application.pk,
        "status": application.status,
        "status_url": services.status_url(submitted.access_key),
    }


def _get(request: HttpRequest, application_id: int) -> Application:
    """The application if it is in the user's reach; anything else is simply not found."""
    return get_object_or_404(
        applications_for(request.auth).select_related("group", "group__municipality"), pk=application_id
    )


@router.get(
    "/applications",
    response={200: ApplicationPage, 400: ErrorOut, **PRIVATE_RESPONSES},
    summary="Applications to the groups you manage",
)
def list_applications(request: HttpRequest, filters: Query[ApplicationListQuery]) -> dict:
    """Newest first. Includes the applicants' personal data; every page read is audited."""
    applications = applications_for(request.auth).select_related("group").order_by("-created_at", "-id")
    if filters.status:
        applications = applications.filter(status=filters.status)
    count = applications.count()
    items = list(applications[filters.offset : filters.offset + filters.limit])
    # One event per group on the page, so each group's audit trail shows who saw its applicants.
    by_group: dict[tuple[int, int], list[int]] = defaultdict(list)
    for application in items:
        by_group[(application.group_id, application.group.municipality_id)].append(application.pk)
    for (group_id, municipality_id), ids in by_group.items():
        record(
            request.auth,
            AuditEvent.Action.APPLICATION_VIEWED,
            None,
            group_id=group_id,
            municipality_id=municipality_id,
            application_ids=ids,
            via="api",
        )
    return {"count": count, "limit": filters.limit, "offset": filters.offset, "items": items}


@router.get(
    "/applications/{application_id}",
    response={200: ApplicationDetailOut, **PRIVATE_RESPONSES},
    summary="One application, with the automatic checks",
)
def get_application(request: HttpRequest, application_id: int) -> dict:
    application = _get(request, application_id)
    record(
        request.auth,
        AuditEvent.Action.APPLICATION_VIEWED,
        application,
        municipality_id=application.group.municipality_id,
        via="api",
    )
    return {**ApplicationOut.model_validate(application).model_dump(), "checks": checks(application)}


@router.post(
    "/applications/{application_id}/approve",
    response={200: ApplicationOut, 400: ErrorOut, 403: DetailOut, **PRIVATE_RESPONSES},
    summary="Approve an application",
    description="The applicant becomes a member and receives the group's invite. The e-mail address must "
    "be confirmed, the group not full or closed, the applicant 18 or older; otherwise 400.",
)
def approve_application(request: HttpRequest, application_id: int) -> Application:
    application = _get(request, application_id)
    services.approve(application, actor=request.auth)
    return _get(request, application_id)


@router.post(
    "/applications/{application_id}/reject",
    response={200: ApplicationOut, 400: ErrorOut, 403: DetailOut, **PRIVATE_RESPONSES},
    summary="Reject an application",
    description="The reason is sent to the applicant and is required.",
)
def reject_application(request: HttpRequest, application_id: int, payload: RejectIn) -> Application:
    application = _get(request, application_id)
    services.reject(application, actor=request.auth, reason=payload.reason)
    return _get(request, application_id)
