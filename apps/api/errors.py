"""One error shape for the whole API, in the language the client asked for.

Every refused input answers 400 with ``{"errors": {field: [messages]}}``; ``__all__`` holds
what belongs to no single field (Django's convention). Other failures answer
``{"detail": message}``. Type errors found by pydantic are reworded with Django's own
form messages, which Django ships translated, instead of pydantic's English.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# Where ninja says a value came from; the body also carries the name of the view's parameter.
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind.startswith("int_"):
        return _("Enter a whole number.")
    if kind.startswith("float_") or kind == "finite_number":
        return _("Enter a number.")
    if kind.startswith("date"):
        return _("Enter a valid date.")
    if kind in ("enum", "literal_error"):
        return _("Select a valid choice. That choice is not one of the available choices.")
    if kind == "greater_than_equal" and "ge" in ctx:
        return _("Ensure this value is greater than or equal to %(limit_value)s.") % {"limit_value": ctx["ge"]}
    if kind == "less_than_equal" and "le" in ctx:
        return _("Ensure this value is less than or equal to %(limit_value)s.") % {"limit_value": ctx["le"]}
    if kind == "string_too_long" and "max_length" in ctx:
        limit = ctx["max_length"]
        return ngettext(
            "Ensure this value has at most %(limit_value)d character.",
            "Ensure this value has at most %(limit_value)d characters.",
            limit,
        ) % {"limit_value": limit}
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return _("This field is required.")
    if kind == "too_long" and "max_length" in ctx:
        limit = ctx["max_length"]
        return ngettext("Send at most %(limit_value)d item.", "Send at most %(limit_value)d items.", limit) % {
            "limit_value": limit
        }
    return _("Enter a valid value.")


def errors_from_schema(errors: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Ninja's validation errors (pydantic's, with a location) as per-field messages."""
    result: dict[str, list[str]] = {}
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        source = loc.pop(0) if loc and loc[0] in _SOURCES else ""
        if source == "body" and loc:
            loc.pop(0)
        if loc:
            field, message = ".".join(loc), _message(error)
        elif source == "body":
            # The body as a whole is missing or is not a JSON object.
            field, message = NON_FIELD_ERRORS, _("Send a JSON object in the request body.")
        else:
            field, message = NON_FIELD_ERRORS, _message(error)
        messages = result.setdefault(field, [])
        if message not in messages:
            messages.append(message)
    return result


def errors_from_django(exc: ValidationError) -> dict[str, list[str]]:
    """A Django ``ValidationError`` (from a form or a service) as per-field messages."""
    if hasattr(exc, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    return {NON_FIELD_ERRORS: [str(m) for m in exc.messages]}
