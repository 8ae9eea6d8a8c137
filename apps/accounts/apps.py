from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"

    def ready(self):
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in

        from . import lockout, sessions

        user_logged_in.connect(sessions.on_logged_in, dispatch_uid="accounts.sessions.on_logged_in")
        user_locked_out.connect(lockout.on_locked_out, dispatch_uid="accounts.lockout.on_locked_out")
