from django.urls import path

from . import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="list"),
    path("nieuw/", views.incident_create, name="create"),
    path("mijn-berichten/", views.delivery_preference, name="delivery_preference"),
    path("<int:pk>/", views.incident_detail, name="detail"),
    path("<int:pk>/terugkoppeling/", views.incident_feedback, name="feedback"),
    path("<int:pk>/bijlagen/", views.attachment_upload, name="attachment_upload"),
    path("bijlagen/<int:pk>/", views.attachment_file, name="attachment_file"),
]
