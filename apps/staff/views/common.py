"""What the desk's pages share: the login and no-cache wrapper, the navigation every page shows,
paging, service errors on forms, and the objects several pages look up the same way."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.shortcuts import render as render_template
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from apps.groups.models import Group
from apps.groups.permissions import managed_groups, roles
from apps.municipalities.permissions import municipalities_for

from .. import maps

PAGE_SIZE = 25


def staff_view(view):
    """Logged-in staff only; pages hold personal data, so browsers and proxies must not keep them."""
    return login_required(never_cache(view))


def int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def add_errors(form: Form, exc: ValidationError, default_field: str | None = None) -> None:
    """Put a service's ValidationError on the form: on a field of the same name, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else default_field, errors)
    else:
        form.add_error(default_field, exc)


def _navigation(request) -> list[dict]:
    user = request.user
    user_roles = roles(user)
    current = request.resolver_match.url_name if request.resolver_match else ""

    def item(name: str, label: str, *pages: str) -> dict:
        return {"url": reverse(name), "label": label, "current": current in (name.split(":")[1], *pages)}

    items = [item("staff:dashboard", _("Overview"))]
    if user_roles["admin"] or user_roles["coordinator"] or user_roles["superuser"]:
        items.append(item("staff:application_list", _("Applications"), "application_detail"))
        items.append(item("staff:message_list", _("Messages")))
    if user_roles["coordinator"] and not user_roles["superuser"]:
        # A coordinator usually has one municipality: its page is one tap away.
        for municipality in municipalities_for(user)[:3]:
            url = reverse("staff:municipality_detail", args=[municipality.pk])
            items.append({"url": url, "label": municipality.name, "current": url == request.path})
    if user_roles["coordinator"] or user_roles["superuser"]:
        items.append(item("staff:group_request_list", _("Requests for a group"), "group_request_detail"))
        items.append(item("staff:group_registration_list", _("Registered groups"), "group_registration_detail"))
    if any(user_roles.values()):
        items.append(item("staff:sign_list", _("Street signs"), "sign_detail", "sign_request"))
    if user_roles["police"] or user_roles["superuser"]:
        items.append(item("staff:police_overview", _("Police overview")))
    if user_roles["coordinator"] or user_roles["police"] or user_roles["superuser"]:
        items.append(item("staff:figures_home", _("Figures"), "figures_dashboard", "figures_report"))
    if any(user_roles.values()):
        items.append(item("staff:meeting_list", _("Meetings"), "meeting_create", "meeting_detail", "meeting_edit"))
    if any(user_roles.values()):
        items.append(
            item(
                "staff:network_directory",
                _("Admins' network"),
                "network_contacts",
                "network_settings",
                "network_messages",
                "network_message_create",
                "network_message_detail",
            )
        )
    return items


def render(request, template: str, context: dict | None = None, status: int = 200) -> HttpResponse:
    """A desk page: the template with the desk's navigation."""
    context = {"desk_nav": _navigation(request), **(context or {})}
    return render_template(request, template, context, status=status)


def paginate(request, queryset) -> Page:
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def coordinated_group(request, pk) -> Group:
    """A group the user coordinates: a group admin reaches their group, but not its settings."""
    groups = managed_groups(request.user).filter(municipality__in=municipalities_for(request.user))
    return get_object_or_404(groups.select_related("municipality", "area", "area__sub_municipality"), pk=pk)


def group_area_feature(group: Group, kind: str = "group") -> dict:
    return maps.area_feature(group.area.geometry, group.name, kind, reverse("staff:group_detail", args=[group.pk]))
