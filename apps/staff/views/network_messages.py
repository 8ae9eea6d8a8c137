"""Messages to the admins' network on the desk: a coordinator writes to the admins and
co-admins of the municipality's groups (or of some sub-municipalities) and follows per admin
whether it was sent, delivered and acknowledged; an admin reads what they received."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from apps.groups.models import GroupAdmin
from apps.municipalities.permissions import municipalities_for
from apps.network import messages as network_messages
from apps.network.forms import AdminMessageForm
from apps.network.models import NetworkSettings

from .common import add_errors, int_or_none, paginate, render, staff_view


def _group_link(municipality) -> str:
    row = NetworkSettings.objects.filter(municipality=municipality).first()
    return row.admins_group_link if row else ""


@staff_view
def message_list(request):
    """The coordinator's messages (of the municipalities they coordinate) and the messages the
    user received as an admin."""
    sent = network_messages.messages_for(request.user)
    received = network_messages.received_by(request.user)
    coordinated = list(municipalities_for(request.user).order_by("name"))
    if not coordinated and not GroupAdmin.objects.filter(user=request.user).exists() and not received.exists():
        raise PermissionDenied
    return render(
        request,
        "staff/network/messages.html",
        {
            "sent": paginate(request, sent) if coordinated else None,
            "received": list(received[:50]),
            "coordinated": coordinated,
        },
    )


@staff_view
@require_http_methods(["GET", "POST"])
def message_create(request):
    """A coordinator writes to the admins' network of their municipality."""
    coordinated = list(municipalities_for(request.user).order_by("name"))
    if not coordinated:
        raise PermissionDenied
    chosen = int_or_none(request.POST.get("gemeente") or request.GET.get("gemeente"))
    if chosen is None:
        municipality = coordinated[0]
    else:
        municipality = next((m for m in coordinated if m.pk == chosen), None)
        if municipality is None:
            raise Http404
    if request.method == "POST":
        form = AdminMessageForm(request.POST, municipality=municipality)
        if form.is_valid():
            data = form.cleaned_data
            try:
                outcome = network_messages.send_admin_message(
                    actor=request.user,
                    municipality=municipality,
                    urgency=data["urgency"],
                    subject=data["subject"],
                    text=data["text"],
                    sub_municipality_ids=[s.pk for s in data["sub_municipalities"]],
                    request_key=f"desk:{data['request_key']}" if data["request_key"] else "",
                )
            except network_messages.RequestKeyReused as exc:
                form.add_error(None, exc.messages[0])
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                sent = outcome.admin_message
                if outcome.repeat:
                    messages.warning(request, _("This message was already sent; it was not sent again."))
                else:
                    n = sent.recipients.count()
                    messages.success(
                        request,
                        ngettext(
                            "The message was queued for %(n)s admin.", "The message was queued for %(n)s admins.", n
                        )
                        % {"n": n},
                    )
                return redirect("staff:network_message_detail", pk=sent.pk)
    else:
        form = AdminMessageForm(municipality=municipality, initial={"request_key": secrets.token_urlsafe(24)})
    return render(
        request,
        "staff/network/message_form.html",
        {
            "form": form,
            "municipality": municipality,
            "coordinated": coordinated,
            "admins_group_link": _group_link(municipality),
        },
        status=400 if form.errors else 200,
    )


@staff_view
def message_detail(request, pk: int):
    """The sender's municipality's coordinators see every admin's delivery and acknowledgement;
    an admin who received it sees the message and their own acknowledgement."""
    visible = network_messages.messages_for(request.user)
    admin_message = visible.filter(pk=pk).first()
    own = None
    if admin_message is None:
        own = network_messages.received_by(request.user).filter(admin_message_id=pk).first()
        if own is None:
            raise Http404
        admin_message = own.admin_message
    rows = network_messages.recipient_rows(admin_message) if own is None else None
    return render(
        request,
        "staff/network/message_detail.html",
        {
            "admin_message": admin_message,
            "rows": rows,
            "own": own,
            "acknowledged": sum(1 for r in rows if r["acknowledged_at"]) if rows else 0,
            "sub_municipalities": list(admin_message.sub_municipalities.order_by("name")),
            "admins_group_link": _group_link(admin_message.municipality),
        },
    )
