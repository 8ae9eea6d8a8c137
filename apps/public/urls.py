"""The resident's pages: find a group, apply, follow the application. No account needed."""

from django.urls import path

from . import views

app_name = "public"

urlpatterns = [
    path("", views.home, name="home"),
    path("zoeken/", views.search, name="search"),
    path("groepen/<slug:slug>/", views.group_detail, name="group_detail"),
    path("groepen/<slug:slug>/aanmelden/", views.apply, name="apply"),
    path("aanmelding/verstuurd/", views.application_sent, name="application_sent"),
    path("aanmelding/bevestigen/<str:token>/", views.application_confirm, name="application_confirm"),
    path("aanmelding/<str:key>/", views.application_status, name="application_status"),
    path("aanmelding/<str:key>/intrekken/", views.application_withdraw, name="application_withdraw"),
    path("berichten-stoppen/<str:key>/", views.alerts_stop, name="alerts_stop"),
    path("groep-starten/", views.start_group, name="start_group"),
    path("groep-starten/verstuurd/", views.start_group_sent, name="start_group_sent"),
]
