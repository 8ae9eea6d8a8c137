"""What the resident's pages share: service errors on forms and their
summary, the trap field, the address carried to the next form, police numbers, and the headers
of pages reached through a secret link."""

from __future__ import annotations

import logging

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms import Form
from django.shortcuts import render
from django.utils.http import urlencode

from apps.municipalities.models import POLICE_NUMBERS, Country

logger = logging.getLogger(__name__)

# Fields the apply page takes over from the search result, so the resident types less.
PREFILL_FIELDS = ("postcode", "house_number", "addition", "street", "town")
START_FIELDS = ("postcode", "house_number", "addition", "street")


def address_query(address, fields=PREFILL_FIELDS) -> str:
    """Query string that carries a register address to the next form."""
    values = {name: getattr(address, name) for name in fields}
    return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def saar_numbers(municipality) -> list[dict]:
    """Police numbers for the SAAR reminder: the municipality's own, or, when the place is
    not known, those of both countries."""
    if municipality is not None:
        return [
            {
                "country": "",
                "emergency": municipality.police_emergency_number,
                "non_urgent": municipality.police_non_urgent_number,
            }
        ]
    return [
        {
            "country": label,
            "emergency": POLICE_NUMBERS[code]["emergency"],
            "non_urgent": POLICE_NUMBERS[code]["non_urgent"],
        }
        for code, label in Country.choices
    ]


def add_service_errors(form: Form, exc: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the fields it names; what names no field of
    this form goes to the top of the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def error_summary(
    form: Form, unlinked: tuple[str, ...] = ("website", "house_rules_version"), anchors: dict | None = None
) -> list[dict]:
    """Every error in the order of the page, each with the id of the field to jump to, or of the
    part of the page ``anchors`` names for it. Hidden fields get no link otherwise: there is
    nothing to jump to."""
    anchors = anchors or {}
    items = [{"message": message, "anchor": ""} for message in form.errors.get(NON_FIELD_ERRORS, [])]
    for name in form.fields:
        for message in form.errors.get(name, []):
            if name in anchors:
                anchor = anchors[name]
            elif name in unlinked or form[name].is_hidden:
                anchor = ""
            else:
                anchor = form[name].id_for_label
            # A label that is a sentence ("I agree.") loses its full stop before the colon.
            items.append({"message": message, "anchor": anchor, "label": str(form[name].label).rstrip(".")})
    return items


def clear_honeypot(form: Form) -> None:
    """A person whose browser filled the trap field gets another chance: the form comes
    back with the field empty."""
    if form.is_spam:
        logger.info("Trap field filled in on %s; nothing stored.", form.__class__.__name__)
    if form.data.get("website"):
        data = form.data.copy()
        data["website"] = ""
        form.data = data


def too_many(request, template_context: dict | None = None):
    return render(request, "public/too_many.html", template_context or {}, status=429)


def private(response):
    """Pages reached through a secret link: keep the link out of other sites' logs and out
    of search engines. "same-origin", not "no-referrer": with no referrer at all the browser
    sends ``Origin: null`` on the page's own forms, and the CSRF check refuses them."""
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
