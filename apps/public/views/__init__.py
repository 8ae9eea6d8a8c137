"""The resident's pages: find the group for an address, apply, confirm, follow or withdraw the
application, ask to start a group where none exists, stop the alerts, and acknowledge a relayed
incident. No account is needed anywhere.

These pages show groups, never people: a member's or applicant's name, phone, e-mail or
address appears only on the applicant's own status page, behind its secret link.

One module per subject; what several of them use is in ``common``.
"""
