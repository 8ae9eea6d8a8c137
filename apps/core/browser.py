"""Launching Debian's chromium for the browser tests, the way this machine needs it."""

from __future__ import annotations

from apps.core.services_available import need_chromium

# No background connections: the machine has no network, and chromium would keep trying.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def launch(playwright):
    return playwright.chromium.launch(executable_path=need_chromium(), args=CHROMIUM_ARGS)
