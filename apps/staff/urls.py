"""The staff desk: group admins, municipal coordinators and police, each seeing only their own."""

from django.urls import path

from . import views, views_geo

app_name = "staff"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    # group admin (and coordinator for the groups of their municipality)
    path("groepen/<int:pk>/", views.group_detail, name="group_detail"),
    path("groepen/<int:pk>/leden/", views.member_list, name="member_list"),
    path("groepen/<int:pk>/leden.csv", views.member_export, name="member_export"),
    path("leden/<int:pk>/verwijderen/", views.member_remove, name="member_remove"),
    path("leden/<int:pk>/berichten-stoppen/", views.member_alerts_stop, name="member_alerts_stop"),
    path("leden/<int:pk>/berichten-starten/", views.member_alerts_start, name="member_alerts_start"),
    path("aanmeldingen/", views.application_list, name="application_list"),
    path("aanmeldingen/<int:pk>/", views.application_detail, name="application_detail"),
    path("aanmeldingen/<int:pk>/goedkeuren/", views.application_approve, name="application_approve"),
    path("aanmeldingen/<int:pk>/weigeren/", views.application_reject, name="application_reject"),
    path("berichten/", views.message_list, name="message_list"),
    path("berichten/<int:pk>/opnieuw/", views.message_retry, name="message_retry"),
    # municipal coordinator
    path("gemeente/<int:pk>/", views.municipality_detail, name="municipality_detail"),
    path("gemeente/<int:pk>/groepen/nieuw/", views.group_create, name="group_create"),
    path("groepen/<int:pk>/bewerken/", views.group_edit, name="group_edit"),
    path("groepen/<int:pk>/beheerders/", views.group_admins, name="group_admins"),
    path("gemeente/<int:pk>/huisregels/", views.house_rules_publish, name="house_rules_publish"),
    path("aanvragen/", views.group_request_list, name="group_request_list"),
    path("aanvragen/<int:pk>/", views.group_request_detail, name="group_request_detail"),
    # police
    path("politie/", views.police_overview, name="police_overview"),
    # geography (coverage, imports)
    path("gemeente/<int:pk>/dekking/", views_geo.coverage_page, name="coverage"),
    path("gemeente/<int:pk>/dekking/kaartlaag.json", views_geo.coverage_layer, name="coverage_layer"),
    path("dekking/", views_geo.national_coverage_page, name="national_coverage"),
    path("dekking/kaartlaag.json", views_geo.national_coverage_layer, name="national_coverage_layer"),
    path("gemeente/<int:pk>/importeren/", views_geo.import_upload, name="import_upload"),
    path("importeren/<int:pk>/", views_geo.import_job, name="import_job"),
    path("importeren/<int:pk>/status.json", views_geo.import_job_status, name="import_job_status"),
]
