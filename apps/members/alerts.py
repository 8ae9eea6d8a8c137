"""The consent to alerts: what a resident agrees to when they tick the box on the application
form, and the version of that wording.

The sentence is stored as shown (in the language the resident read it) on the application and
on the member, with the moment of consent; the version goes into the audit trail. A new wording
gets a new version number, so "what did this person agree to, and when?" stays answerable.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

ALERTS_CONSENT_VERSION = 1

ALERTS_CONSENT = _(
    "Also send me alerts from the police and the municipality about my neighbourhood: urgent ones by text "
    "message (SMS) or WhatsApp, the others by e-mail. I can stop them at any time."
)
