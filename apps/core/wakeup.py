"""Waking a Celery worker for work that is already queued in the database (docs/adr/0024).

The rows are the queue (an ``OutgoingMessage``, an ``ImportJob``); the task sent to the broker
only tells a worker to start now rather than at the next periodic sweep (``celery.py``'s beat
schedule). So a request never waits for the broker: one publish, no publish retries, a short
connection timeout (``BUURTWACHT_REDIS_TIMEOUT``), and when it fails the request goes on, the row
stays queued, one warning is logged, and for ``RETRY_AFTER`` seconds no wake-up in this process
tries the broker at all. A broadcast of hundreds of messages costs one failed connection, not one
per message.
"""

from __future__ import annotations

import threading

from django.conf import settings

from .outage import Outage

RETRY_AFTER = 10.0  # the sweep runs every 10 s: trying sooner would wake nothing earlier

outage = Outage("The Celery broker", retry_after=RETRY_AFTER)

_local = threading.local()  # one producer per thread and Celery app: kombu's are not thread-safe


def _producer(app):
    """A producer on a connection to the broker for wake-ups only, with its own short timeouts:
    the worker's own connection keeps Celery's patient defaults."""
    producers = _local.__dict__.setdefault("producers", {})
    if id(app) not in producers:
        timeout = settings.BUURTWACHT_REDIS_TIMEOUT
        connection = app.connection_for_write(
            connect_timeout=timeout,
            transport_options={
                "max_retries": 0,  # kombu: connect once, no retry loop
                "socket_connect_timeout": timeout,  # the redis transport
                "socket_timeout": timeout,
                "retry_on_timeout": False,
            },
        )
        producers[id(app)] = app.amqp.Producer(connection, auto_declare=False)
    return producers[id(app)]


def _forget(app) -> None:
    producer = _local.__dict__.get("producers", {}).pop(id(app), None)
    if producer is not None:
        producer.connection.collect()  # a broken connection is opened afresh at the next try


def wake(task, *args) -> bool:
    """Send ``task(*args)`` to a worker if the broker answers now; True when it was sent."""
    if outage.skip():
        return False
    try:
        try:
            task.apply_async(args, producer=_producer(task.app), retry=False)
        except Exception:
            _forget(task.app)
            raise
    except Exception as exc:  # any broker failure: the periodic sweep finds the row
        outage.failed(exc, "queued work waits for the periodic sweep")
        return False
    outage.answered()
    return True


def reset() -> None:
    """Forget the broker's state and this thread's connections (tests that switch brokers)."""
    outage.reset()
    for producer in _local.__dict__.pop("producers", {}).values():
        producer.connection.collect()
