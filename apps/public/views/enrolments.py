"""The personal link of someone an admin imported from an existing group's member list: they
confirm their details, state they are 18 or older and accept the house rules, or decline (their
data is erased). Only the POST acts, because mail scanners open links."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.enrolments.forms import ConfirmForm
from apps.enrolments.services import Answer, by_key, confirm, decline

from .common import private


@never_cache
@require_http_methods(["GET", "POST"])
def enrolment(request, key: str):
    found = by_key(key)
    if found is None:
        return private(render(request, "public/enrolment.html", {"state": "invalid"}, status=404))
    group = found.group
    rules = group.municipality.current_house_rules
    form = ConfirmForm(initial={"house_rules_version": rules.version if rules else 0})
    context = {"enrolment": found, "group": group, "rules": rules, "state": "ask"}
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "decline":
                decline(found)
                context["state"] = "declined"
            else:
                form = ConfirmForm(request.POST)
                if form.is_valid():
                    data = form.cleaned_data
                    context["member"] = confirm(
                        found,
                        Answer(
                            adult=data["adult"],
                            house_rules_version=data["house_rules_version"],
                            alerts_opt_in=data["alerts_opt_in"],
                        ),
                    )
                    context["state"] = "confirmed"
                else:
                    status = 400
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for field, errors in exc.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
                status = 400
            else:
                context["state"], context["error"] = "refused", exc.messages[0]
                status = 409
    context["form"] = form
    return private(render(request, "public/enrolment.html", context, status=status))
