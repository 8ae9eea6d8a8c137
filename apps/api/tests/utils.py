"""Helpers for the API tests: JSON application bodies, stored applications, token headers."""

from __future__ import annotations

from apps.accounts.models import ApiToken
from apps.applications import services
from apps.applications.forms import ApplicationForm
from apps.applications.models import Application
from apps.groups.models import Group
from testkit.world import application_data


def application_json(address: dict | None = None, group: str = "testdorp-noord", **overrides) -> dict:
    """A valid JSON body for POST /api/v1/applications (the form data with JSON types)."""
    data = application_data(address)
    data.update(group=group, accept_house_rules=True, house_rules_version=1)
    data.update(overrides)
    return data


def stored_application(group: Group, address: dict, *, confirmed: bool = False, **overrides) -> Application:
    """An application stored through the real form and service, as the web page would."""
    form = ApplicationForm(application_data(address, **overrides), country=group.municipality.country)
    assert form.is_valid(), form.errors
    application = services.submit(group, form.cleaned_data).application
    if confirmed:
        application = services.confirm(services.confirmation_token(application))
    return application


def bearer(user, name: str = "") -> dict:
    _token, key = ApiToken.issue(user, name=name)
    return {"Authorization": f"Bearer {key}"}
