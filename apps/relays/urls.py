from django.urls import path

from . import views

app_name = "relays"

urlpatterns = [
    path("melding/<int:pk>/", views.relay_preview, name="preview"),
    path("melding/<int:pk>/versturen/", views.relay_send, name="send"),
    path("<int:pk>/", views.relay_detail, name="detail"),
    path("bericht/", views.broadcast_create, name="broadcast"),
]
