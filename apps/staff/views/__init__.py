"""The staff desk: group admins, municipal coordinators and police, each seeing only their own.

Every object is taken from the scoped querysets of the owning apps' ``permissions`` modules, so what lies
outside the user's reach is a 404 and is never shown or changed. Changes are POST only and go
through the services, which check permission once more (PermissionDenied gives a 403).
Looking at or exporting personal data is recorded in the audit trail.

One module per subject; what several of them use is in ``common``.
"""
