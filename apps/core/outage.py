"""A service that stopped answering, remembered per process (docs/adr/0024).

When Redis (the cache or the Celery broker) fails, the caller does its work without it and
records the failure here; for the next ``retry_after`` seconds every caller in the process skips
the service at once instead of paying another connection attempt. After that the next caller
tries again: an answer ends the outage. One warning when an outage begins and one line when it
ends, whatever the number of requests in between.
"""

from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger(__name__)


class Outage:
    def __init__(self, what: str, *, retry_after: float) -> None:
        self.what = what
        self.retry_after = retry_after
        self._lock = threading.Lock()
        self._down = False
        self._failed_at = 0.0
        self.failures = 0  # attempts that failed, for the figures of a fault run

    @property
    def down(self) -> bool:
        return self._down

    def skip(self) -> bool:
        """True while the service is known to be down and it is not yet time to try again."""
        return self._down and time.monotonic() < self._failed_at + self.retry_after

    def failed(self, exc: BaseException, consequence: str) -> None:
        with self._lock:
            first = not self._down
            self._down = True
            self._failed_at = time.monotonic()
            self.failures += 1
        if first:
            log.warning(
                "%s is unreachable (%s: %s); %s. Trying again every %g s.",
                self.what,
                type(exc).__name__,
                exc,
                consequence,
                self.retry_after,
            )

    def answered(self) -> None:
        if not self._down:
            return
        with self._lock:
            was_down, self._down = self._down, False
        if was_down:
            log.warning("%s answers again.", self.what)

    def reset(self) -> None:
        """Forget a past outage (tests, and a process that changes its configuration)."""
        with self._lock:
            self._down, self._failed_at, self.failures = False, 0.0, 0
