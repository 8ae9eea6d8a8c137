"""The resident's pages (no account needed): find a group, apply, follow the application, start a
group, stop the alerts; and the acknowledgement of a relayed incident.

The site's pages are in the ``public`` namespace; the acknowledgement link keeps its name
``relay_acknowledge`` outside it, as the relay messages build it.
"""

from django.urls import include, path

from .views import (
    acknowledge,
    alerts,
    applications,
    enrolments,
    house_rules,
    meetings,
    network_acknowledge,
    privacy,
    register_group,
    rights,
    search,
    signs,
    start_group,
)

public_patterns = [
    path("", search.home, name="home"),
    path("zoeken/", search.search, name="search"),
    path("kaart/gebieden.json", search.layer, name="map_layer"),
    path("gemeenten/<slug:slug>/", search.municipality_groups, name="municipality"),
    path("gemeenten/<slug:slug>/gebieden.json", search.layer, name="municipality_layer"),
    path("groepen/<slug:slug>/", search.group_detail, name="group_detail"),
    path("groepen/<slug:slug>/aanmelden/", applications.apply, name="apply"),
    path("aanmelding/verstuurd/", applications.application_sent, name="application_sent"),
    path("aanmelding/bevestigen/<str:token>/", applications.application_confirm, name="application_confirm"),
    path("aanmelding/<str:key>/", applications.application_status, name="application_status"),
    path("aanmelding/<str:key>/intrekken/", applications.application_withdraw, name="application_withdraw"),
    path("berichten-stoppen/<str:key>/", alerts.alerts_stop, name="alerts_stop"),
    path("huisregels-aanvaarden/<str:token>/", house_rules.house_rules_accept, name="house_rules_accept"),
    path("lid-worden/<str:key>/", enrolments.enrolment, name="enrolment"),
    path("groep-starten/", start_group.start_group, name="start_group"),
    path("groep-starten/verstuurd/", start_group.start_group_sent, name="start_group_sent"),
    path("groep-aanmelden/", register_group.register_group, name="register_group"),
    path("groep-aanmelden/verstuurd/", register_group.register_group_sent, name="register_group_sent"),
    path("groep-aanmelding/<str:key>/", register_group.group_registration_status, name="group_registration_status"),
    path("mijn-gegevens/", rights.rights_request, name="rights_request"),
    path("mijn-gegevens/verstuurd/", rights.rights_sent, name="rights_sent"),
    path("mijn-gegevens/<str:key>/", rights.rights_data, name="rights_data"),
    path("mijn-gegevens/<str:key>/downloaden/", rights.rights_download, name="rights_download"),
    path("mijn-gegevens/<str:key>/verlaten/<int:member_id>/", rights.rights_leave, name="rights_leave"),
    path("mijn-gegevens/<str:key>/wissen/", rights.rights_erase, name="rights_erase"),
    path("nummer-bevestigen/<str:key>/", rights.phone_confirm, name="phone_confirm"),
    path("bijeenkomsten/<slug:slug>/", meetings.municipality_meetings, name="municipality_meetings"),
    path("bijeenkomsten/<slug:slug>/<int:pk>/", meetings.meeting_detail, name="meeting_detail"),
    path("bijeenkomsten/<slug:slug>/<int:pk>/agenda.ics", meetings.meeting_ics, name="meeting_ics"),
    path("mijn-antwoord/<str:key>/", meetings.meeting_answer, name="meeting_answer"),
    path("mijn-antwoord/<str:key>/agenda.ics", meetings.resident_feed, name="meeting_resident_feed"),
    path("agenda/<str:key>.ics", meetings.staff_feed, name="meeting_feed"),
    path(
        "netwerkbericht/<str:key>/",
        network_acknowledge.network_message_acknowledge,
        name="network_message_acknowledge",
    ),
    path("privacy/", privacy.privacy, name="privacy"),
    path("privacy/<slug:slug>/", privacy.privacy, name="privacy_municipality"),
]

urlpatterns = [
    path("", include((public_patterns, "public"))),
    path("doorgegeven/<str:key>/", acknowledge.relay_acknowledge, name="relay_acknowledge"),
    path("doorgegeven/<str:key>/bijlagen/<int:pk>/", acknowledge.relay_attachment, name="relay_attachment"),
    # The code on a street sign (kept short: it is printed).
    path("b/<str:token>/", signs.sign_scan, name="sign_scan"),
]
