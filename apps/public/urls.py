"""The resident's pages (no account needed): find a group, apply, follow the application, start a
group, stop the alerts; and the acknowledgement of a relayed incident.

The site's pages are in the ``public`` namespace; the acknowledgement link keeps its name
``relay_acknowledge`` outside it, as the relay messages build it.
"""

from django.urls import include, path

from .views import acknowledge, alerts, applications, house_rules, privacy, search, start_group

public_patterns = [
    path("", search.home, name="home"),
    path("zoeken/", search.search, name="search"),
    path("groepen/<slug:slug>/", search.group_detail, name="group_detail"),
    path("groepen/<slug:slug>/aanmelden/", applications.apply, name="apply"),
    path("aanmelding/verstuurd/", applications.application_sent, name="application_sent"),
    path("aanmelding/bevestigen/<str:token>/", applications.application_confirm, name="application_confirm"),
    path("aanmelding/<str:key>/", applications.application_status, name="application_status"),
    path("aanmelding/<str:key>/intrekken/", applications.application_withdraw, name="application_withdraw"),
    path("berichten-stoppen/<str:key>/", alerts.alerts_stop, name="alerts_stop"),
    path("huisregels-aanvaarden/<str:token>/", house_rules.house_rules_accept, name="house_rules_accept"),
    path("groep-starten/", start_group.start_group, name="start_group"),
    path("groep-starten/verstuurd/", start_group.start_group_sent, name="start_group_sent"),
    path("privacy/", privacy.privacy, name="privacy"),
    path("privacy/<slug:slug>/", privacy.privacy, name="privacy_municipality"),
]

urlpatterns = [
    path("", include((public_patterns, "public"))),
    path("doorgegeven/<str:key>/", acknowledge.relay_acknowledge, name="relay_acknowledge"),
    path("doorgegeven/<str:key>/bijlagen/<int:pk>/", acknowledge.relay_attachment, name="relay_attachment"),
]
