from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib import admin
        from django.contrib.auth.signals import user_logged_in

        from . import checks, lockout, sessions, views  # noqa: F401 (checks registers itself)

        user_logged_in.connect(sessions.on_logged_in, dispatch_uid="accounts.sessions.on_logged_in")
        user_locked_out.connect(lockout.on_locked_out, dispatch_uid="accounts.lockout.on_locked_out")
        # /django-admin/ logs in through the login page and its second step (docs/adr/0028).
        admin.site.login = views.admin_login
