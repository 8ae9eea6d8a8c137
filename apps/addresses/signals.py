"""Signals of the address register, for the apps that build on it."""

from django.dispatch import Signal

# Sent by the importer when it ends, whether or not it finished: it writes with SQL, so no model
# signal fired for the rows it inserted or updated. Receivers get ``sender=Address``.
register_changed = Signal()
