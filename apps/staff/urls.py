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
    enrolments,
    figures_pages,
    group_registrations,
    groups,
    incidents,
    meetings,
    members,
    messages,
    municipality,
    network,
    network_messages,
    police,
    relays,
    signs,
    whatsapp_removals,
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
    path("groepen/<int:pk>/leden-importeren/", enrolments.enrolment_upload, name="enrolment_upload"),
    path("ledenlijsten/<int:pk>/kolommen/", enrolments.enrolment_mapping, name="enrolment_mapping"),
    path("ledenlijsten/<int:pk>/", enrolments.enrolment_preview, name="enrolment_preview"),
    path("leden/<int:pk>/berichten-stoppen/", members.member_alerts_stop, name="member_alerts_stop"),
    path("leden/<int:pk>/berichten-starten/", members.member_alerts_start, name="member_alerts_start"),
    path("aanmeldingen/", applications.application_list, name="application_list"),
    path("aanmeldingen/<int:pk>/", applications.application_detail, name="application_detail"),
    path("aanmeldingen/<int:pk>/goedkeuren/", applications.application_approve, name="application_approve"),
    path("aanmeldingen/<int:pk>/weigeren/", applications.application_reject, name="application_reject"),
    path("berichten/", messages.message_list, name="message_list"),
    path("whatsapp-verwijderen/<int:pk>/", whatsapp_removals.whatsapp_removal_done, name="whatsapp_removal_done"),
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
    path("groepsaanmeldingen/", group_registrations.group_registration_list, name="group_registration_list"),
    path(
        "groepsaanmeldingen/<int:pk>/",
        group_registrations.group_registration_detail,
        name="group_registration_detail",
    ),
    # meetings (organised by the municipality's coordinators, answered by whom they invite)
    path("bijeenkomsten/", meetings.meeting_list, name="meeting_list"),
    path("bijeenkomsten/nieuw/", meetings.meeting_create, name="meeting_create"),
    path("bijeenkomsten/agenda/", meetings.meeting_feed_create, name="meeting_feed_create"),
    path("bijeenkomsten/<int:pk>/", meetings.meeting_detail, name="meeting_detail"),
    path("bijeenkomsten/<int:pk>/bewerken/", meetings.meeting_edit, name="meeting_edit"),
    path("bijeenkomsten/<int:pk>/uitnodigen/", meetings.meeting_invite, name="meeting_invite"),
    path("bijeenkomsten/<int:pk>/annuleren/", meetings.meeting_cancel, name="meeting_cancel"),
    path("bijeenkomsten/<int:pk>/aanwezigheid/", meetings.meeting_attendance, name="meeting_attendance"),
    path("bijeenkomsten/<int:pk>/verslag/", meetings.meeting_minutes, name="meeting_minutes"),
    path("bijeenkomsten/<int:pk>/verslag/bestand/", meetings.meeting_minutes_file, name="meeting_minutes_file"),
    path("bijeenkomsten/<int:pk>/antwoord/", meetings.meeting_answer, name="meeting_answer"),
    path("bijeenkomsten/<int:pk>/agenda.ics", meetings.meeting_ics, name="meeting_ics"),
    # police
    path("politie/", police.police_overview, name="police_overview"),
    # figures of a municipality or a police zone (coordinators, police)
    path("cijfers/", figures_pages.figures_home, name="figures_home"),
    path("cijfers/<str:kind>/<int:pk>/", figures_pages.figures_dashboard, name="figures_dashboard"),
    path("cijfers/<str:kind>/<int:pk>/cijfers.csv", figures_pages.figures_csv, name="figures_csv"),
    path("cijfers/<str:kind>/<int:pk>/cijfers.xlsx", figures_pages.figures_xlsx, name="figures_xlsx"),
    path("cijfers/<str:kind>/<int:pk>/jaarverslag/", figures_pages.figures_report, name="figures_report"),
    path("cijfers/<str:kind>/<int:pk>/jaarverslag.pdf", figures_pages.figures_pdf, name="figures_pdf"),
    path("netwerk/", network.network_directory, name="network_directory"),
    path("netwerk/mijn-gegevens/", network.network_contacts, name="network_contacts"),
    path("netwerk/gemeente/<int:pk>/", network.network_settings, name="network_settings"),
    path("netwerk/berichten/", network_messages.message_list, name="network_messages"),
    path("netwerk/berichten/nieuw/", network_messages.message_create, name="network_message_create"),
    path("netwerk/berichten/<int:pk>/", network_messages.message_detail, name="network_message_detail"),
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
    # street signs, their QR codes, the group's poster and flyer
    path("borden/", signs.sign_list, name="sign_list"),
    path("borden/nieuw/", signs.sign_request, name="sign_request"),
    path("borden/<int:pk>/", signs.sign_detail, name="sign_detail"),
    path("borden/<int:pk>/foto/", signs.sign_photo, name="sign_photo"),
    path("borden/<int:pk>/<slug:step>/", signs.sign_step, name="sign_step"),
    path("groepen/<int:pk>/affiches/", signs.group_printables, name="group_printables"),
]

urlpatterns = [
    path("meldingen/", include((incident_patterns, "incidents"))),
    path("doorgeven/", include((relay_patterns, "relays"))),
    path("", include((desk_patterns, "staff"))),
]
