"""Delivery through the queue to a fake WhatsApp gateway on this machine. Not a test: it checks
nothing, and its figures belong to the machine.

Run ``make bench-delivery`` (or ``.venv/bin/python bench/delivery.py``). In a temporary
directory it migrates a fresh SQLite database, starts a fake Cloud API gateway (its own
process, answering like Meta's documented example) and worker processes that run the
embedded worker's loop (``deliver_due``) without its one-second pause, after its warm-up
(``workers.warm_up``), and waits until they are ready; then it measures:

- ``relay``: 100 group admins (WhatsApp, opted in) around an incident; from the click
  (``POST /api/v1/incidents/{id}/relays`` through Django's test client, which computes the
  recipients and writes relay, recipients and messages in one transaction) to the moment the
  gateway accepted the 100th message. Once with Meta's default throughput of 80 messages/s per
  phone number, once with a number upgraded to 1,000/s.
- ``sustained``: N queued messages drained by the workers with no throughput limit: messages
  accepted by the gateway per second (from the moment they were queued to the last accepted),
  and the same up to the moment the last row was recorded as sent.

``--database-url postgres://user@host:port/name`` runs the same on PostgreSQL: the script creates a
fresh database next to the one named (``bench_delivery_<pid>``, on the same server) and drops it at
the end.

Figures go to ``bench/results/delivery-latest.json``; see docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# bench/ for its sibling scripts, the project for its apps (run as `python bench/delivery.py`).
sys.path[:0] = [str(HERE), str(ROOT)]

from apps.core.actors import SYSTEM  # noqa: E402

RESULTS = HERE / "results" / "delivery-latest.json"
PHONE_ID = "106540352242922"
BATCH = 100


# --- the fake gateway (its own process) ----------------------------------------------------------


def gateway(port_file: str) -> None:
    lock = threading.Lock()
    state = {"count": 0, "last": 0.0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in two writes: without this, Nagle and delayed ACKs add 40 ms.
        disable_nagle_algorithm = True

        def _reply(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            ok = self.headers.get("Authorization") == "Bearer bench" and body.get("type") == "template"
            with lock:
                state["count"] += 1
                state["last"] = time.time()
                n = state["count"]
            if not ok:
                self._reply(401, {"error": {"message": "Invalid OAuth access token", "code": 190}})
                return
            to = body["to"]
            self._reply(
                200,
                {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": to, "wa_id": to}],
                    "messages": [{"id": f"wamid.BENCH{n}"}],
                },
            )

        def do_GET(self):  # noqa: N802
            with lock:
                self._reply(200, dict(state))

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    Path(port_file).write_text(str(server.server_address[1]))
    server.serve_forever()


def stats(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:  # noqa: S310 (local)
        return json.loads(response.read())


# --- worker processes ------------------------------------------------------------------------------


def configure(var_dir: str) -> None:
    """``run.configure`` (a fresh SQLite database), then PostgreSQL instead when asked for."""
    import run as base

    base.configure(var_dir)
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        import dj_database_url
        from django.conf import settings
        from django.db import connections

        # Django's setup made the SQLite connection object but opened nothing: drop it, and let the
        # handler read DATABASES again on first use.
        assert all(c.connection is None for c in connections.all(initialized_only=True)), "already connected"
        del connections["default"]
        # With the connection settings the project's own would give it (kept and checked, ADR
        # 0034): parsed bare, every request and every worker round opened a new connection.
        current = settings.DATABASES["default"]
        settings.DATABASES["default"] = dj_database_url.parse(url, conn_max_age=current["CONN_MAX_AGE"])
        settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] = current["CONN_HEALTH_CHECKS"]
        connections.__dict__.pop("settings", None)


def create_database(url: str) -> str:
    """A fresh database on the server of ``url``; returns its URL."""
    import psycopg

    name = f"bench_delivery_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + f"/{name}"


def drop_database(url: str, fresh_url: str) -> None:
    import psycopg

    name = fresh_url.rsplit("/", 1)[1]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def worker(name: str) -> None:
    configure(os.environ["BENCH_VAR_DIR"])
    from django.db import close_old_connections

    from apps.messaging import services, workers

    stop_file = Path(os.environ["BENCH_VAR_DIR"]) / "stop"
    worker_name = f"bench-{name}"
    last_release = 0.0
    workers.warm_up()  # as ``run_worker`` does before its first claim
    (stop_file.parent / f"ready-{name}").write_text("")
    # The embedded worker's round (deliver_due: claim a batch, send, record in bulk) without its
    # pause, and with the sweep for rows of dead workers once a second instead of every round.
    while not stop_file.exists():
        close_old_connections()
        if time.monotonic() - last_release > 1:
            services.release_abandoned()
            last_release = time.monotonic()
        if not services.deliver_batch(worker_name, BATCH):
            time.sleep(0.002)


def start_workers(n: int, var_dir: str, per_second: int) -> list[subprocess.Popen]:
    """Start ``n`` worker processes and wait until each is ready to claim: the first relay's
    figure is the relay's, not the time Python and Django take to start."""
    stop_file = Path(var_dir) / "stop"
    if stop_file.exists():
        stop_file.unlink()
    ready = [Path(var_dir) / f"ready-{i}" for i in range(n)]
    for path in ready:
        path.unlink(missing_ok=True)
    env = {**os.environ, "BENCH_VAR_DIR": var_dir, "WHATSAPP_MESSAGES_PER_SECOND": str(per_second)}
    procs = [subprocess.Popen([sys.executable, __file__, "--worker", str(i)], env=env) for i in range(n)]
    deadline = time.time() + 120
    while not all(path.exists() for path in ready):
        if time.time() > deadline or any(proc.poll() is not None for proc in procs):
            raise RuntimeError("the workers did not start")
        time.sleep(0.05)
    return procs


def stop_workers(procs: list[subprocess.Popen], var_dir: str) -> None:
    (Path(var_dir) / "stop").write_text("")
    for proc in procs:
        proc.wait(timeout=30)


# --- the measured run ----------------------------------------------------------------------------


def build(n_groups: int):
    from apps.accounts.models import ApiToken
    from apps.areas.services import save_area
    from apps.groups.models import Group, GroupAdmin
    from apps.messaging.models import DeliveryPreference
    from apps.municipalities.models import Coordinator, Municipality
    from testkit.world import box, make_user

    municipality = Municipality.objects.create(name="Benchdorp", slug="benchdorp", country="BE")
    side = int(n_groups**0.5)
    for i in range(n_groups):
        x, y = 5.30 + (i % side) * 0.01, 50.70 + (i // side) * 0.01
        area = save_area(
            actor=SYSTEM, municipality=municipality, name=f"Wijk {i}", geometry=box(x, y, x + 0.01, y + 0.01)
        )
        group = Group.objects.create(
            municipality=municipality, area=area, name=f"Groep {i}", slug=f"groep-{i}", status=Group.Status.ACTIVE
        )
        admin = make_user(f"admin{i}", phone=f"+32470{i:06d}")
        GroupAdmin.objects.create(group=group, user=admin)
        DeliveryPreference.objects.create(user=admin, channels="whatsapp,sms,email", whatsapp_opt_in=True)
    coordinator = make_user("coordinator")
    Coordinator.objects.create(user=coordinator, municipality=municipality)
    _token, key = ApiToken.issue(coordinator, name="bench")
    centre = (5.30 + side * 0.005, 50.70 + side * 0.005)
    return municipality, coordinator, key, centre


def wait_for(port: int, count: int, timeout: float) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        s = stats(port)
        if s["count"] >= count:
            return s
        time.sleep(0.002)
    raise RuntimeError(f"the gateway accepted {stats(port)['count']} of {count} messages in {timeout}s")


def relay_phase(port, coordinator, key, municipality, centre, runs: int) -> dict:
    import datetime as dt

    from django.test import Client
    from django.utils import timezone

    from apps.incidents.services import create_incident

    client = Client()
    latencies, clicks = [], []
    for i in range(runs):
        incident = create_incident(
            actor=coordinator,
            data={
                "category": "suspicious_vehicle",
                "occurred_at": timezone.now() - dt.timedelta(minutes=5),
                "police_called": True,
                "municipality": municipality.pk,
                "lat": centre[1],
                "lon": centre[0],
                "text": f"Bestelwagen {i} rijdt traag rond.",
                "vehicle_plate": "1abc123",
            },
        )
        before = stats(port)["count"]
        t0 = time.time()
        response = client.post(
            f"/api/v1/incidents/{incident.pk}/relays",
            {"radius_m": 10_000},
            content_type="application/json",
            headers={"Authorization": f"Bearer {key}"},
        )
        clicked = time.time() - t0
        assert response.status_code == 201, response.content
        n = len(response.json()["recipients"])
        done = wait_for(port, before + n, 60)
        latencies.append(done["last"] - t0)
        clicks.append(clicked)
    latencies.sort()
    clicks.sort()

    def pct(values, q):
        return values[min(len(values) - 1, max(0, round(q / 100 * len(values)) - 1))]

    return {
        "runs": runs,
        "recipients": n,
        "click_p50_ms": round(pct(clicks, 50) * 1000, 1),
        "last_accepted_p50_s": round(pct(latencies, 50), 3),
        "last_accepted_p95_s": round(pct(latencies, 95), 3),
        "last_accepted_max_s": round(latencies[-1], 3),
        "load_average_1min_after": round(os.getloadavg()[0], 2),
    }


def sustained_phase(port: int, n: int) -> dict:
    from django.utils import timezone

    from apps.messaging.models import OutgoingMessage

    before = stats(port)["count"]
    now = timezone.now()
    OutgoingMessage.objects.bulk_create(
        [
            OutgoingMessage(
                channel="whatsapp",
                recipient=f"+32470{i % 1000000:06d}",
                subject="Bench",
                body="Bench",
                topic="bench",
                dedupe_key=f"bench:{i}:{now.timestamp()}",
                urgency="red",
                template="buurtwacht_alert",
                template_params=["a", "b", "c", "d", "e"],
                next_attempt_at=now,
            )
            for i in range(n)
        ],
        batch_size=2000,
    )
    t0 = time.time()
    first = None
    while True:
        s = stats(port)
        if first is None and s["count"] > before:
            first = time.time()
        if s["count"] >= before + n:
            break
        if time.time() - t0 > 600:
            raise RuntimeError("sustained phase did not finish in 10 minutes")
        time.sleep(0.01)
    elapsed = s["last"] - t0
    # Successes are recorded in bulk after they were sent: wait until every row says "sent".
    sent = 0
    while time.time() - t0 < 660:
        sent = OutgoingMessage.objects.filter(topic="bench", status="sent").count()
        if sent >= n:
            break
        time.sleep(0.01)
    recorded = time.time() - t0
    return {
        "messages": n,
        "seconds": round(elapsed, 2),
        "per_s": round(n / elapsed, 1),
        "recorded_sent": sent,
        "all_recorded_s": round(recorded, 2),
        "per_s_recorded": round(n / recorded, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker")
    parser.add_argument("--gateway")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--database-url", default="", help="postgres://… (default: a fresh SQLite file)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.gateway:
        gateway(args.gateway)
        return
    if args.worker:
        worker(args.worker)
        return
    var_dir = tempfile.mkdtemp(prefix="bench-delivery-")
    fresh_url = create_database(args.database_url) if args.database_url else ""
    if fresh_url:
        os.environ["BENCH_DATABASE_URL"] = fresh_url
    port_file = Path(var_dir) / "port"
    gw = subprocess.Popen([sys.executable, __file__, "--gateway", str(port_file)])
    procs: list[subprocess.Popen] = []
    try:
        while not port_file.exists() or not port_file.read_text():
            time.sleep(0.05)
        port = int(port_file.read_text())
        os.environ.update(
            {
                "WHATSAPP_API_URL": f"http://127.0.0.1:{port}/v23.0",
                "WHATSAPP_PHONE_NUMBER_ID": PHONE_ID,
                "WHATSAPP_TOKEN": "bench",
                "BUURTWACHT_SITE_URL": "http://127.0.0.1:8000",
                # One coordinator relays every run: the per-sender limit (ADR 0027) would refuse
                # the eleventh within the hour.
                "BUURTWACHT_RELAY_RATE": "100000/h",
            }
        )
        import run as base

        configure(var_dir)
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0)
        municipality, coordinator, key, centre = build(100)
        results = {"machine": base.machine(), "database": connection.vendor, "workers": args.workers}
        for rate in (80, 1000):
            procs = start_workers(args.workers, var_dir, rate)
            results[f"relay_{rate}_per_s"] = relay_phase(port, coordinator, key, municipality, centre, args.runs)
            stop_workers(procs, var_dir)
            procs = []
        procs = start_workers(args.workers, var_dir, 1_000_000)
        results["sustained"] = sustained_phase(port, args.messages)
        stop_workers(procs, var_dir)
        procs = []
        results["max_rss_mb_main"] = base.max_rss_mb()
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps(results, indent=2))
        print(json.dumps(results, indent=2))
    finally:
        for proc in procs:
            proc.kill()
        gw.kill()
        shutil.rmtree(var_dir, ignore_errors=True)
        if fresh_url:
            from django.db import connections

            connections.close_all()
            drop_database(args.database_url, fresh_url)


if __name__ == "__main__":
    main()
