"""System checks of the site as a whole: the demo's mailbox never runs in production.

``manage.py serve``, ``migrate`` and ``check`` stop on these errors, so a production machine
cannot start with the mailbox page or with e-mails written to files instead of sent.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks

# The demo's e-mail backend: messages written to files in var/mail/ for the mailbox page.
DEMO_EMAIL_BACKENDS = ("django.core.mail.backends.filebased.EmailBackend",)


@checks.register(checks.Tags.security)
def demo_mailbox_needs_debug(app_configs=None, **kwargs):
    # Production (BUURTWACHT_ENV=production) is what decides, not DEBUG: a development or test
    # process may run without DEBUG (a benchmark, a subprocess of a test) and keep the mailbox.
    if not settings.PRODUCTION:
        return []
    errors = []
    if settings.BUURTWACHT_DEV_MAILBOX:
        errors.append(
            checks.Error(
                "BUURTWACHT_DEV_MAILBOX is on in production: /dev/mailbox/ would show every e-mail sent.",
                hint="Leave BUURTWACHT_DEV_MAILBOX unset (it is off in production) or set it to false.",
                id="buurtwacht.E001",
            )
        )
    if settings.EMAIL_BACKEND in DEMO_EMAIL_BACKENDS:
        errors.append(
            checks.Error(
                f"EMAIL_BACKEND is {settings.EMAIL_BACKEND} in production: e-mails would not be sent.",
                hint="Use django.core.mail.backends.smtp.EmailBackend (the production default) with EMAIL_HOST.",
                id="buurtwacht.E002",
            )
        )
    return errors
