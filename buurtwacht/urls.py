"""URL map: the public site (Dutch paths), the staff desk under /beheer/, the API under /api/v1/."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from apps.api import fast_lookup
from apps.web import views as web_views

urlpatterns = [
    # The public lookup first, the most frequent request: URL resolution tries the patterns in
    # order, and this plain view answers it without ninja (docs/adr/0009-lookup-as-a-plain-view.md).
    path("api/v1/lookup", fast_lookup.view, name="api_lookup"),
    path("api/v1/", include("apps.api.urls")),
    path("", include("apps.public.urls")),
    path("beheer/", include("apps.staff.urls")),
    path("account/", include("apps.accounts.urls")),
    path("healthz", web_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("django-admin/", admin.site.urls),
]
if settings.BUURTWACHT_DEV_MAILBOX:
    # The demo's mailbox exists only where it is switched on (never in production: apps/web/checks.py).
    urlpatterns += [
        path("dev/mailbox/", web_views.mailbox, name="mailbox"),
        path("dev/mailbox/<int:pk>/", web_views.mailbox_message, name="mailbox_message"),
    ]
