"""The C allocator of a long-running process, set so that large blocks it frees go back to the
system (ADR 0037).

A web process answers with bodies of megabytes (the public map's layer and ``/api/v1/groups`` at
10,000 groups are 3 to 4 MB, written out in pieces of 64 KB) and waitress buffers each answer
before sending it. glibc's allocator serves a block of 128 KB or more with a mapping of its own,
given back when freed, until the first such block is freed: from then on it raises that threshold
to the freed block's size, so the next blocks of that size come from its heaps, which it rarely
gives back. Each of waitress' eight threads also gets a heap of its own. ``bench/memory.py``
measured the result: five answers of the map layer took a fresh web process from 104 to 141 MB,
ten to 170 MB, while no object of the answers was kept.

``tune`` fixes the threshold at glibc's default (so large blocks are always mapped and given
back) and caps the heaps at two, with ``mallopt``, what the environment variables
``MALLOC_MMAP_THRESHOLD_`` and ``MALLOC_ARENA_MAX`` do for a process started with them. A variable
that is set wins: its setting is left as it is. On an allocator without ``mallopt`` (not glibc)
nothing changes.
"""

from __future__ import annotations

import ctypes
import logging
import os

log = logging.getLogger(__name__)

# glibc's malloc.h
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8

MMAP_THRESHOLD = 128 * 1024
ARENA_MAX = 2

_SETTINGS = (
    ("MALLOC_MMAP_THRESHOLD_", M_MMAP_THRESHOLD, MMAP_THRESHOLD),
    ("MALLOC_ARENA_MAX", M_ARENA_MAX, ARENA_MAX),
)


def _mallopt():
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return None
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return mallopt


def tune() -> list[str]:
    """Set what is not set by the environment; returns the names of the settings applied (call
    it before the process starts its threads)."""
    mallopt = _mallopt()
    if mallopt is None:
        return []
    applied = []
    for variable, option, value in _SETTINGS:
        if variable in os.environ:
            continue
        if mallopt(option, value) == 1:
            applied.append(variable)
        else:
            log.debug("the allocator refused %s=%s", variable, value)
    return applied
