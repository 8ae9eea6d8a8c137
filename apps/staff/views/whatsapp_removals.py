"""The admin confirms that they removed a number from the group's WhatsApp group
(``apps.rights.services.confirm_removal``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.rights.models import WhatsAppRemoval
from apps.rights.services import confirm_removal

from .common import staff_view


@staff_view
@require_POST
def whatsapp_removal_done(request, pk):
    task = get_object_or_404(WhatsAppRemoval.objects.select_related("group"), pk=pk)
    try:
        confirm_removal(task, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Thank you. The number is erased from Buurtwacht."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = ""
    return redirect(target or "staff:dashboard")
