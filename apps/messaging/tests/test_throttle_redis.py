"""The WhatsApp throughput limit shared through Redis (Celery mode: workers on many machines)."""

from __future__ import annotations

import threading
import time
import uuid

from apps.core.services_available import need_redis
from apps.messaging import throttle


def test_limit_is_shared_by_concurrent_senders(settings):
    url = need_redis()
    settings.BUURTWACHT_WORKER = "celery"
    settings.REDIS_URL = url
    throttle._shared = None
    key = f"test:{uuid.uuid4().hex}"
    stamps: list[float] = []
    lock = threading.Lock()

    def sender():
        for _ in range(10):
            throttle.acquire(key, 20)
            with lock:
                stamps.append(time.time())

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    throttle._shared = None
    stamps.sort()
    assert len(stamps) == 40
    # No window of one second holds more than the limit (one slot of slack for timer jitter).
    for i, t in enumerate(stamps):
        assert sum(1 for u in stamps[i:] if u < t + 1.0) <= 21
    assert stamps[-1] - stamps[0] >= 39 / 20 - 0.1
