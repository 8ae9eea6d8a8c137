"""Requests over real HTTP for the benchmarks: the site served by waitress (the server of
``make run``, see apps/core/management/commands/serve.py) in a child process on a loopback port,
loaded from this process with ``http.client`` on one keep-alive connection.

``start(var_dir)`` serves the benchmark's database and URLs (``bench.run.configure``) and returns
the child process and its port; ``measure(...)`` times requests as ``bench.run.measure`` does,
``measure_interleaved(...)`` several kinds of request side by side.
Run as a script it is the child: ``python bench/http_load.py VAR_DIR PORT``.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
THREADS = 8  # as ``manage.py serve``
# bench/run.py allows only this host name; every request names it.
HEADERS = {"Host": "testserver"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(var_dir: str, timeout: float = 60.0) -> tuple[subprocess.Popen, int]:
    """Serve the benchmark's site in a child process; return it once it answers."""
    port = _free_port()
    child = subprocess.Popen([sys.executable, str(HERE / "http_load.py"), var_dir, str(port)])
    deadline = time.monotonic() + timeout
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/__bench__/ping", headers=HEADERS)
            if connection.getresponse().status == 200:
                connection.close()
                return child, port
        except OSError:
            pass
        if child.poll() is not None or time.monotonic() > deadline:
            stop(child)
            raise RuntimeError("the waitress child process did not start")
        time.sleep(0.2)


def stop(child: subprocess.Popen) -> None:
    child.terminate()
    try:
        child.wait(timeout=10)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def cpu_seconds(pid: int) -> float | None:
    """CPU time the process has used so far (user and system), where ``/proc`` tells it."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(name: str, port: int, paths: list[str], budget: float, limit: int, warmup: int, pid: int) -> dict:
    """GET each of ``paths`` in turn on one keep-alive connection, like ``bench.run.measure``
    (``warmup`` uncounted requests first). The row also counts the answers' statuses and, where
    ``/proc`` tells the server's (``pid``) CPU time, the requests per second of it."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    statuses: dict[int, int] = {}

    def get(path: str) -> None:
        connection.request("GET", path, headers=HEADERS)
        response = connection.getresponse()
        response.read()
        statuses[response.status] = statuses.get(response.status, 0) + 1

    for i in range(warmup):
        get(paths[i % len(paths)])
    statuses.clear()
    latencies = []
    cpu = cpu_seconds(pid)
    started = time.perf_counter()
    i = 0
    while len(latencies) < limit and time.perf_counter() - started < budget:
        t0 = time.perf_counter()
        get(paths[i % len(paths)])
        latencies.append(time.perf_counter() - t0)
        i += 1
    elapsed = time.perf_counter() - started
    cpu_after = cpu_seconds(pid)
    connection.close()
    latencies.sort()
    row = {
        "name": name,
        "n": len(latencies),
        "per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 3),
        "p99_ms": round(latencies[min(len(latencies) - 1, round(0.99 * len(latencies)) - 1)] * 1000, 3),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }
    if cpu is not None and cpu_after is not None and cpu_after > cpu:
        row["cpu_per_s"] = round(len(latencies) / (cpu_after - cpu), 1)
    return row


def measure_interleaved(
    named_paths: list[tuple[str, list[str]]], port: int, budget: float, warmup: int, pid: int, block: int = 200
) -> list[dict]:
    """The measures of ``named_paths`` (name, paths) side by side on one keep-alive connection,
    ``block`` requests of each in turn (``bench.run.measure_interleaved``), after ``warmup``
    uncounted requests of each. Each row counts its answers' statuses and, where ``/proc`` tells
    the server's (``pid``) CPU time, its requests per second of it."""
    sys.path.insert(0, str(HERE))
    import run as base

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    statuses: dict[str, dict[int, int]] = {name: {} for name, _paths in named_paths}

    def calls(name: str, paths: list[str]):
        counts = statuses[name]

        def get(path: str) -> None:
            connection.request("GET", path, headers=HEADERS)
            response = connection.getresponse()
            response.read()
            counts[response.status] = counts.get(response.status, 0) + 1

        while True:
            for path in paths:
                yield lambda path=path: get(path)

    named_calls = [(name, calls(name, paths)) for name, paths in named_paths]
    for _name, iterator in named_calls:
        for _ in range(warmup):
            next(iterator)()
    for counts in statuses.values():
        counts.clear()
    cpu = (lambda: cpu_seconds(pid)) if cpu_seconds(pid) is not None else None
    try:
        rows = base.measure_interleaved(named_calls, budget, block, cpu)
    finally:
        connection.close()
    for row in rows:
        row["statuses"] = {str(k): v for k, v in sorted(statuses[row["name"]].items())}
    return rows


def _serve(var_dir: str, port: int) -> None:
    sys.path.insert(0, str(HERE))
    import geo
    import run as base

    if os.environ.get("BUURTWACHT_BENCH_DATABASE_URL"):  # bench/geo.py --database-url
        geo._keep_database_url()
    base.configure(var_dir)
    from django.core.wsgi import get_wsgi_application
    from waitress import serve

    serve(get_wsgi_application(), host="127.0.0.1", port=port, threads=THREADS, _quiet=True)


if __name__ == "__main__":
    _serve(sys.argv[1], int(sys.argv[2]))
