"""Emptying the cache between tests without touching another test run's keys."""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache


def clear(cache) -> None:
    """Empty ``cache`` of this run's keys. A Redis cache's own ``clear()`` empties the whole Redis
    database (FLUSHDB), and with it the keys and queued Celery tasks of another run of the suite
    on the same server; here only keys under the cache's ``KEY_PREFIX`` (one per test process,
    see the settings) go. A cache without a prefix, or not on Redis, is cleared as before."""
    if not isinstance(cache, RedisCache) or not cache.key_prefix:
        cache.clear()
        return
    local = getattr(cache, "local", None)  # FallbackRedisCache's counts of an outage
    if local is not None:
        local.clear()
    import redis

    try:
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    except (redis.exceptions.RedisError, OSError):
        pass  # Redis does not answer: nothing of this run is kept there to clear
