"""Clearing the cache between tests empties this run's keys only (``testkit.cache.clear``): two
runs of the suite may share one Redis, and a FLUSHDB took the other's queued tasks with it."""

from __future__ import annotations

import os

import redis
from django.core.cache.backends.locmem import LocMemCache

from apps.core.fallback_cache import FallbackRedisCache
from testkit.cache import clear
from testkit.services import need_redis


def test_only_this_runs_keys_are_cleared():
    url = need_redis().rsplit("/", 1)[0] + "/13"
    ours = FallbackRedisCache(url, {"KEY_PREFIX": f"test-{os.getpid()}"})
    theirs = FallbackRedisCache(url, {"KEY_PREFIX": f"other-run-{os.getpid()}"})
    raw = redis.Redis.from_url(url)
    queue = f"celery-queue-of-another-run-{os.getpid()}"
    try:
        ours.set("count", 3, 60)
        theirs.set("count", 5, 60)
        raw.lpush(queue, "a task")
        clear(ours)
        assert ours.get("count") is None
        assert theirs.get("count") == 5 and raw.llen(queue) == 1
    finally:
        clear(theirs)
        raw.delete(queue)


def test_a_cache_without_a_prefix_or_not_on_redis_is_cleared_whole():
    local = LocMemCache("test-cache-clear", {})
    local.set("count", 1)
    clear(local)
    assert local.get("count") is None


def test_the_suites_cache_has_a_prefix_of_its_process(settings):
    assert settings.CACHES["default"]["KEY_PREFIX"] == f"test-{os.getpid()}"
