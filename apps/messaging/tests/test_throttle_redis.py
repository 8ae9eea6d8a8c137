"""The WhatsApp throughput limit shared through Redis (Celery mode: workers on many machines)."""

from __future__ import annotations

import threading
import uuid

from apps.messaging import throttle
from testkit.services import need_redis


def test_slots_are_shared_by_concurrent_senders():
    """Four senders (as on four machines) take 40 slots at 20/s: every slot is distinct and the
    slots lie at least 1/20 s apart, so no second holds more than 20 messages. The slots, not
    the moments the threads happen to run, are checked, so a busy machine cannot fail it."""
    limiter = throttle._Redis(need_redis())
    key = f"test:{uuid.uuid4().hex}"
    slots: list[float] = []
    lock = threading.Lock()

    def sender():
        for _ in range(10):
            slot, _now = limiter.reserve(key, 20)
            with lock:
                slots.append(slot)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    slots.sort()
    assert len(slots) == 40
    gaps = [b - a for a, b in zip(slots, slots[1:], strict=False)]
    assert min(gaps) >= 1 / 20 - 1e-6
    for i, t in enumerate(slots):
        assert sum(1 for u in slots[i:] if u < t + 1.0) <= 20


def test_acquire_waits_for_its_slot(settings, monkeypatch):
    settings.BUURTWACHT_WORKER = "celery"
    settings.REDIS_URL = need_redis()
    throttle._shared = None
    waits: list[float] = []
    monkeypatch.setattr(throttle.time, "sleep", waits.append)
    key = f"test:{uuid.uuid4().hex}"
    try:
        results = [throttle.acquire(key, 10) for _ in range(3)]
    finally:
        throttle._shared = None
    assert results[0] <= 0.01 and 0.05 < results[1] <= 0.1 + 0.01 and results[2] > results[1]
    assert waits == [w for w in results if w > 0]
