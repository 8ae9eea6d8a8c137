"""Django's Redis cache, with a per-process cache in its place while Redis does not answer.

The cache holds the rate limits' counters (django-ratelimit: ``cache.add`` then ``cache.incr`` on
a window-aligned key). Plain ``RedisCache`` raises when Redis is down, and a public form or the
password-reset page answered 500. With this backend a failing call is answered by a ``LocMemCache``
of this process instead: the same rule counted per process, which is what the embedded mode
counts anyway (docs/adr/0024). Redis is tried again ``RETRY_AFTER`` seconds later (one connection
attempt, milliseconds on a refused port); when it answers, the shared counters are used again.

The socket timeouts (``BUURTWACHT_REDIS_TIMEOUT``, connect and read) and no retries inside the
Redis client keep a hung Redis from holding a request for seconds.
"""

from __future__ import annotations

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

from .outage import Outage

RETRY_AFTER = 5.0
DEFAULT_SOCKET_TIMEOUT = 0.25

_outages: dict[str, Outage] = {}


def outage_for(location: str) -> Outage:
    """The process-wide state of the Redis at ``location`` (Django makes a cache object per thread)."""
    if location not in _outages:
        _outages.setdefault(location, Outage("Redis (cache)", retry_after=RETRY_AFTER))
    return _outages[location]


def _errors() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.exceptions.RedisError, OSError)


class FallbackRedisCache(RedisCache):
    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        options.setdefault("socket_connect_timeout", DEFAULT_SOCKET_TIMEOUT)
        options.setdefault("socket_timeout", DEFAULT_SOCKET_TIMEOUT)
        if "retry" not in options:
            from redis.backoff import NoBackoff
            from redis.retry import Retry

            options["retry"] = Retry(NoBackoff(), 0)
        params["OPTIONS"] = options
        super().__init__(server, params)
        location = server if isinstance(server, str) else ",".join(server)
        self.outage = outage_for(location)
        # Shared by every thread of the process: LocMemCache keeps its data per name.
        self.local = LocMemCache(f"redis-fallback:{location}", {"TIMEOUT": params.get("TIMEOUT", DEFAULT_TIMEOUT)})

    def _either(self, name: str, *args, **kwargs):
        if not self.outage.skip():
            try:
                result = getattr(super(), name)(*args, **kwargs)
            except _errors() as exc:
                self.outage.failed(exc, "rate limits count per process until it answers")
            else:
                self.outage.answered()
                return result
        return getattr(self.local, name)(*args, **kwargs)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._either("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._either("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._either("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._either("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._either("delete", key, version)

    def get_many(self, keys, version=None):
        return self._either("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._either("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._either("incr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._either("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._either("delete_many", keys, version)

    def clear(self):
        # What was counted during an outage must not come back at the next one.
        self.local.clear()
        return self._either("clear")
