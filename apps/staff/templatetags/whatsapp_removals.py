"""The numbers a group's admins must remove from its WhatsApp group (``apps.rights``), shown on
their desk and on the group's page; nobody else sees them."""

from __future__ import annotations

from django import template

from apps.core.phones import display
from apps.rights.services import removals_for

register = template.Library()


@register.inclusion_tag("staff/_whatsapp_removals.html", takes_context=True)
def whatsapp_removals(context, group=None):
    request = context.get("request")
    user = getattr(request, "user", None)
    tasks = list(removals_for(user, group)) if user is not None else []
    return {
        "tasks": [(task, display(task.phone)) for task in tasks],
        "show_group": group is None,
        "next": request.get_full_path() if request is not None else "",
        "csrf_token": context.get("csrf_token"),
    }
