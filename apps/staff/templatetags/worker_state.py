"""The message worker's state on the desk: ``{% load worker_state %}{% worker_state %}``.

Who sees it: coordinators, police officers and operators (superusers), whose alerts and
broadcasts go through the worker, see that messages are being sent, or that the worker is not
running and how many messages wait. Group admins see it only when the worker is not running and
messages of their own groups wait; people without a role see nothing. ``only_when_down=True``
leaves out the line that all is well (for a banner on every desk page).
"""

from __future__ import annotations

from django import template

from apps.groups.permissions import managed_groups, roles
from apps.messaging.workers import due_count, worker_state

register = template.Library()


@register.inclusion_tag("staff/_worker_state.html", takes_context=True, name="worker_state")
def worker_state_banner(context, only_when_down: bool = False) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    hidden = {"show": False}
    if user is None or not user.is_authenticated:
        return hidden
    user_roles = roles(user)
    sees_all = user_roles["coordinator"] or user_roles["police"] or user_roles["superuser"]
    if not sees_all and not user_roles["admin"]:
        return hidden
    state = worker_state()
    if state.ok:
        return {"show": sees_all and not only_when_down, "ok": True}
    waiting = state.due if sees_all else due_count(group_ids=managed_groups(user).values("pk"))
    if not sees_all and not waiting:
        return hidden
    return {"show": True, "ok": False, "last_seen": state.last_seen, "waiting": waiting}
