from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("inloggen/", views.LoginView.as_view(), name="login"),
    path("inloggen/code/", views.login_code, name="login_code"),
    path("tweestapsverificatie/", views.second_factor_page, name="second_factor"),
    path("tweestapsverificatie/instellen/", views.second_factor_setup, name="second_factor_setup"),
    path("tweestapsverificatie/herstelcodes/", views.recovery_codes, name="recovery_codes"),
    path("uitloggen/", auth_views.LogoutView.as_view(), name="logout"),
    path("wachtwoord-vergeten/", views.PasswordResetView.as_view(), name="password_reset"),
    path("wachtwoord-vergeten/verzonden/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("wachtwoord/klaar/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("taal/", views.message_language, name="message_language"),
    path("wachtwoord-bevestigen/", views.confirm_password, name="confirm_password"),
    path("wachtwoord/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
]
