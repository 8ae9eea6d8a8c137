"""Accepting a new version of the house rules: the personal link in the e-mail a member gets
when their municipality publishes one (``apps.members.house_rules``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.core.actors import PUBLIC
from apps.members.house_rules import accept_house_rules, from_token, has_accepted

from .common import private


@never_cache
@require_http_methods(["GET", "POST"])
def house_rules_accept(request, token: str):
    """Opening the link shows the rules and a button; only the POST records the acceptance,
    because mail scanners open links. A wrong or old link says so and changes nothing."""
    found = from_token(token)
    if found is None:
        return private(render(request, "public/house_rules_accept.html", {"state": "invalid"}, status=404))
    member, rules = found
    context = {"group": member.group, "rules": rules, "error": ""}
    if request.method == "POST":
        try:
            state = "accepted" if accept_house_rules(member, rules, actor=PUBLIC) else "already"
        except ValidationError as exc:
            state, context["error"] = "refused", exc.messages[0]
    elif member.left_at is not None or rules.municipality.current_house_rules != rules:
        state = "ask"  # the POST says why it cannot be accepted
    else:
        state = "already" if has_accepted(member, rules) else "ask"
    context["state"] = state
    return private(
        render(request, "public/house_rules_accept.html", context, status=409 if state == "refused" else 200)
    )
