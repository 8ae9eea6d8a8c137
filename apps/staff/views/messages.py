"""The messages the system sent for the user's groups and municipalities, and sending a failed
one again. Recipients' addresses are personal data: each showing is recorded."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.groups.permissions import managed_groups
from apps.messaging.models import OutgoingMessage
from apps.messaging.services import retry
from apps.municipalities.permissions import municipalities_for

from .. import forms
from .common import paginate, query_without_page, render, staff_view


def _outgoing_for(user):
    return OutgoingMessage.objects.filter(
        Q(group_id__in=managed_groups(user).values("pk")) | Q(municipality_id__in=municipalities_for(user).values("pk"))
    )


@staff_view
def message_list(request):
    form = forms.message_filter_form(request.GET or None)
    outgoing = _outgoing_for(request.user)
    if form.is_valid() and form.cleaned_data["status"]:
        outgoing = outgoing.filter(status=form.cleaned_data["status"])
    group_names = dict(managed_groups(request.user).values_list("pk", "name"))
    page = paginate(request, outgoing.order_by("-created_at", "-pk"))
    for message in page.object_list:
        message.group_name = group_names.get(message.group_id, "")
    # Recipients' addresses are personal data: who looked at which messages is kept.
    record(request.user, AuditEvent.Action.MESSAGES_VIEWED, None, message_ids=[m.pk for m in page.object_list])
    return render(
        request, "staff/message_list.html", {"form": form, "page": page, "query": query_without_page(request)}
    )


@staff_view
@require_POST
def message_retry(request, pk):
    message = get_object_or_404(_outgoing_for(request.user), pk=pk)
    if retry(message, actor=request.user):
        messages.success(request, _("The message is queued and will be sent again."))
    else:
        messages.info(request, _("Only failed messages can be sent again; this one was not changed."))
    return redirect(reverse("staff:message_list") + "?status=" + OutgoingMessage.Status.FAILED)
