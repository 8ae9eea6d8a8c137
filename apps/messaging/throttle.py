"""Throughput limits per sending identity (a WhatsApp phone number, an SMS account).

Messages leave in slots spaced 1/rate seconds apart, so no second ever holds more than the
rate. With Redis (the Celery mode, any number of machines) the next free slot is kept in Redis
and shared; without it (the embedded worker, one process) it is kept in memory.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings


class _Local:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def acquire(self, key: str, per_second: int) -> float:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(key, now))
            if slot - now > 60:  # the clock went back (a test's time travel); start afresh
                slot = now
            self._next[key] = slot + 1.0 / per_second
        wait = slot - now
        if wait > 0:
            time.sleep(wait)
        return wait


class _Redis:
    """Slots spaced 1/rate apart, the next free slot kept in Redis and taken atomically (a Lua
    script reading Redis's own clock, so the machines' clocks do not matter)."""

    SCRIPT = """
    local t = redis.call('TIME')
    local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
    local step = tonumber(ARGV[1])
    local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
    if slot < now then slot = now end
    redis.call('SET', KEYS[1], tostring(slot + step), 'PX', 60000)
    return {tostring(slot), tostring(now)}
    """

    def __init__(self, url: str) -> None:
        import redis

        self._client = redis.Redis.from_url(url)
        self._take = self._client.register_script(self.SCRIPT)

    def reserve(self, key: str, per_second: int) -> tuple[float, float]:
        """Take the next free slot: (the slot, Redis's clock when it was taken), in seconds."""
        slot, now = self._take(keys=[f"buurtwacht:throughput:{key}"], args=[repr(1.0 / per_second)])
        return float(slot), float(now)

    def acquire(self, key: str, per_second: int) -> float:
        slot, now = self.reserve(key, per_second)
        wait = slot - now
        if wait > 0:
            time.sleep(wait)
        return wait


_local = _Local()
_shared: _Redis | None = None


def limiter():
    global _shared
    if settings.BUURTWACHT_WORKER == "celery" and settings.REDIS_URL:
        if _shared is None:
            _shared = _Redis(settings.REDIS_URL)
        return _shared
    return _local


def acquire(key: str, per_second: int) -> float:
    """Wait until one more message may go out under ``key``; returns the seconds waited."""
    return limiter().acquire(key, per_second)
