"""The staff desk under /beheer/: group admins, coordinators and police, each seeing only their own.

Three URL namespaces: ``staff`` for the desk itself, ``incidents`` (/beheer/meldingen/) and
``relays`` (/beheer/doorgeven/) for incidents and what is passed on about them.
"""

from django.urls import include, path

from .views import (
    admin_invitations,
    applications,
    areas,
    broadcasts,
    dashboard,
    groups,
    incidents,
    members,
    messages,
    municipality,
    network,
    police,
    relays,
)

incident_patterns = [
    path("", incidents.incident_list, name="list"),
    path("nieuw/", incidents.incident_create, name="create"),
    path("mijn-berichten/", incidents.delivery_preference, name="delivery_preference"),
    path("<int:pk>/", incidents.incident_detail, name="detail"),
    path("<int:pk>/terugkoppeling/", incidents.incident_feedback, name="feedback"),
    path("<int:pk>/bijlagen/", incidents.attachment_upload, name="attachment_upload"),
    path("bijlagen/<int:pk>/", incidents.attachment_file, name="attachment_file"),
    path("woorden/", incidents.profiling_words, name="profiling_words"),
    path("woorden/<int:pk>/verwijderen/", incidents.profiling_word_remove, name="profiling_word_remove"),
]

relay_patterns = [
    path("melding/<int:pk>/", relays.relay_preview, name="preview"),
    path("melding/<int:pk>/versturen/", relays.relay_send, name="send"),
    path("<int:pk>/", relays.relay_detail, name="detail"),
    path("<int:pk>/beslissen/", relays.relay_decide, name="decide"),
    path("goedkeuren/", relays.relay_waiting, name="waiting"),
    path("bericht/", broadcasts.broadcast_create, name="broadcast"),
    path("bericht/<int:pk>/", broadcasts.broadcast_detail, name="broadcast_detail"),
]

desk_patterns = [
    path("", dashboard.dashboard, name="dashboard"),
    # group admin (and coordinator for the groups of their municipality)
    path("groepen/<int:pk>/", groups.group_detail, name="group_detail"),
    path("groepen/<int:pk>/leden/", members.member_list, name="member_list"),
    path("groepen/<int:pk>/leden.csv", members.member_export, name="member_export"),
    path("leden/<int:pk>/verwijderen/", members.member_remove, name="member_remove"),
    path("leden/<int:pk>/berichten-stoppen/", members.member_alerts_stop, name="member_alerts_stop"),
    path("leden/<int:pk>/berichten-starten/", members.member_alerts_start, name="member_alerts_start"),
    path("aanmeldingen/", applications.application_list, name="application_list"),
    path("aanmeldingen/<int:pk>/", applications.application_detail, name="application_detail"),
    path("aanmeldingen/<int:pk>/goedkeuren/", applications.application_approve, name="application_approve"),
    path("aanmeldingen/<int:pk>/weigeren/", applications.application_reject, name="application_reject"),
    path("berichten/", messages.message_list, name="message_list"),
    path("berichten/<int:pk>/opnieuw/", messages.message_retry, name="message_retry"),
    # municipal coordinator
    path("gemeente/<int:pk>/", municipality.municipality_detail, name="municipality_detail"),
    path("gemeente/<int:pk>/groepen/nieuw/", groups.group_create, name="group_create"),
    path("groepen/<int:pk>/bewerken/", groups.group_edit, name="group_edit"),
    path("groepen/<int:pk>/beheerders/", municipality.group_admins, name="group_admins"),
    # the person invited to become a group's admin, through the secret link of the e-mail
    path("uitnodiging/<str:key>/", admin_invitations.admin_invitation, name="admin_invitation"),
    path("gemeente/<int:pk>/huisregels/", municipality.house_rules_publish, name="house_rules_publish"),
    path("gemeente/<int:pk>/bewaartermijnen/", municipality.retention_settings, name="retention_settings"),
    path("aanvragen/", municipality.group_request_list, name="group_request_list"),
    path("aanvragen/<int:pk>/", municipality.group_request_detail, name="group_request_detail"),
    # police
    path("politie/", police.police_overview, name="police_overview"),
    path("netwerk/", network.network_directory, name="network_directory"),
    path("netwerk/mijn-gegevens/", network.network_contacts, name="network_contacts"),
    path("netwerk/gemeente/<int:pk>/", network.network_settings, name="network_settings"),
    # geography (coverage, imports)
    path("gemeente/<int:pk>/dekking/", areas.coverage_page, name="coverage"),
    path("gemeente/<int:pk>/dekking/kaartlaag.json", areas.coverage_layer, name="coverage_layer"),
    path("gemeente/<int:pk>/dekking.csv", municipality.coverage_export, name="coverage_export"),
    path("dekking/", areas.national_coverage_page, name="national_coverage"),
    path("dekking/kaartlaag.json", areas.national_coverage_layer, name="national_coverage_layer"),
    path("gemeente/<int:pk>/importeren/", areas.import_upload, name="import_upload"),
    path("importeren/<int:pk>/", areas.import_job, name="import_job"),
    path("importeren/<int:pk>/status.json", areas.import_job_status, name="import_job_status"),
    path("importeren/<int:pk>/annuleren/", areas.import_job_cancel, name="import_job_cancel"),
]

urlpatterns = [
    path("meldingen/", include((incident_patterns, "incidents"))),
    path("doorgeven/", include((relay_patterns, "relays"))),
    path("", include((desk_patterns, "staff"))),
]
