"""Delivery under faults: a broadcast to N group admins by WhatsApp while the worker is killed or the
gateway misbehaves. Not a test: it checks nothing, and its figures belong to the machine.

Run ``make bench-faults`` (or ``.venv/bin/python bench/faults.py``). In a temporary directory it
migrates a fresh SQLite database (``--database-url postgres://…``: a fresh database on that
server instead, dropped at the end), starts a fake WhatsApp Cloud API gateway (its own process)
and the embedded worker (``manage.py run_worker``) under ``manage.py serve``'s supervisor, which
marks a dead worker stopped and starts it again. Then, one round per fault, the coordinator
broadcasts a red message to the N admins and the round waits until every admin's message was
accepted by the gateway and no row is left to send:

- ``none``: no fault, the reference;
- ``kill -9``: the worker is killed with SIGKILL when the gateway has accepted half of the round
  (mid-batch), and the supervisor starts a new one;
- ``500``: the gateway answers the first third of the round's requests with HTTP 500;
- ``429``: the same with 429 and ``Retry-After: 2``;
- ``hang up``: the gateway takes the first third's requests (the message goes out) and closes the
  connection without an answer;
- ``slow``: the gateway answers the first third after 0.5 s each (within the client's timeout);
- ``slow past timeout``: it takes them and answers after the client's timeout (1 s here) has passed.

Per round: ``lost`` (admins whose message the gateway never accepted), ``repeated`` (messages the
gateway accepted more than once for one admin), ``flagged`` (rows marked ``possible_repeat``: the
system knows they may have arrived twice) and the seconds from the click to the last message
recorded as sent. A repeat that is not flagged is the figure that must stay 0.

Figures go to ``bench/results/faults-latest.json`` (PostgreSQL: ``faults-postgresql.json``); see
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))
RESULTS = HERE / "results" / "faults-latest.json"
PHONE_ID = "106540352242922"
HTTP_TIMEOUT = 1  # BUURTWACHT_DELIVERY_HTTP_TIMEOUT of the worker, seconds
ROUND_TIMEOUT = 240.0


# --- the fake gateway (its own process) ----------------------------------------------------------


def gateway(port_file: str) -> None:
    """Meta's Cloud API as far as sending a template goes, with a fault for the first ``first``
    requests after each ``POST /control``; ``GET /stats`` gives what it accepted, per recipient."""
    lock = threading.Lock()
    state: dict = {"mode": "none", "first": 0, "seen": 0, "accepted": {}, "last": 0.0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def _reply(self, status: int, payload: dict, headers: dict | None = None) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _accept(self, to: str) -> int:
            with lock:
                state["accepted"][to] = state["accepted"].get(to, 0) + 1
                state["last"] = time.time()
                return sum(state["accepted"].values())

        def do_POST(self):  # noqa: N802
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
            if self.path == "/control":
                with lock:
                    state.update(mode=body["mode"], first=body["first"], seen=0, accepted={}, last=0.0)
                self._reply(200, {})
                return
            with lock:
                state["seen"] += 1
                faulty = state["seen"] <= state["first"]
                mode = state["mode"] if faulty else "none"
            to = body["to"]
            if mode == "500":
                self._reply(500, {"error": {"message": "Internal error", "code": 1, "type": "OAuthException"}})
                return
            if mode == "429":
                error = {"message": "Rate limit hit", "code": 130429, "type": "OAuthException"}
                self._reply(429, {"error": error}, {"Retry-After": "2"})
                return
            n = self._accept(to)
            if mode == "hang up":
                self.close_connection = True  # taken, and no answer: the client sees EOF
                return
            if mode == "slow":
                time.sleep(0.5)
            if mode == "slow past timeout":
                time.sleep(HTTP_TIMEOUT + 0.5)
            self._reply(
                200,
                {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": to, "wa_id": to}],
                    "messages": [{"id": f"wamid.FAULT{n}"}],
                },
            )

        def do_GET(self):  # noqa: N802
            with lock:
                self._reply(200, {"accepted": dict(state["accepted"]), "seen": state["seen"], "last": state["last"]})

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    Path(port_file).write_text(str(server.server_address[1]))
    server.serve_forever()


def call(port: int, path: str, payload: dict | None = None) -> dict:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method="POST" if data else "GET")  # noqa: S310 (local)
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (local)
        return json.loads(response.read())


def digits(phone: str) -> str:
    return "".join(c for c in phone if c.isdigit())


# --- one round ------------------------------------------------------------------------------------


def one_round(port: int, supervisor, coordinator, municipality, admins: set[str], fault: str, n: int) -> dict:
    from apps.messaging.models import OutgoingMessage
    from apps.relays.broadcasts import send_broadcast

    first = 0 if fault in ("none", "kill -9") else max(1, n // 3)
    call(port, "/control", {"mode": fault, "first": first})
    before = OutgoingMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    t0 = time.time()
    send_broadcast(
        actor=coordinator,
        urgency="red",
        subject=f"Inbraken ({fault})",
        text=f"Let op: inbraken in de buurt. Ronde {fault}.",
        municipality_id=municipality.pk,
    )
    click = time.time() - t0
    killed = None
    rows = OutgoingMessage.objects.filter(pk__gt=before)
    while time.time() - t0 < ROUND_TIMEOUT:
        stats = call(port, "/")
        if fault == "kill -9" and killed is None and len(stats["accepted"]) >= n // 2:
            killed = supervisor.process.pid
            os.kill(killed, signal.SIGKILL)
        open_rows = rows.filter(status__in=("queued", "sending")).count()
        if admins <= {digits(to) for to in stats["accepted"]} and not open_rows:
            break
        time.sleep(0.05)
    done = time.time() - t0
    stats = call(port, "/")
    accepted = {digits(to): count for to, count in stats["accepted"].items()}
    statuses: dict[str, int] = {}
    for status in rows.values_list("status", flat=True):
        statuses[status] = statuses.get(status, 0) + 1
    flagged_to = {digits(to) for to in rows.filter(possible_repeat=True).values_list("recipient", flat=True)}
    repeated_to = {to for to, count in accepted.items() if count > 1}
    return {
        "fault": fault,
        "recipients": n,
        "faulty_requests": first,
        "lost": len(admins - set(accepted)),
        "repeated": sum(count - 1 for count in accepted.values() if count > 1),
        "flagged": len(flagged_to),
        "repeated_not_flagged": len(repeated_to - flagged_to),
        "rows": statuses,
        "gateway_requests": stats["seen"],
        "click_s": round(click, 3),
        "all_delivered_s": round(done, 2),
        "finished": done < ROUND_TIMEOUT,
        "worker_restarted": killed is not None and supervisor.process.pid != killed,
    }


FAULTS = ("none", "kill -9", "500", "429", "hang up", "slow", "slow past timeout")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gateway")
    parser.add_argument("--recipients", type=int, default=200)
    parser.add_argument("--faults", default=",".join(FAULTS), help="comma-separated, of: " + ", ".join(FAULTS))
    parser.add_argument("--database-url", default="", help="postgres://… (default: a fresh SQLite file)")
    args = parser.parse_args()
    if args.gateway:
        gateway(args.gateway)
        return
    import subprocess

    import delivery

    faults = [f.strip() for f in args.faults.split(",") if f.strip()]
    unknown = [f for f in faults if f not in FAULTS]
    if unknown:
        parser.error(f"unknown fault(s): {', '.join(unknown)}")
    var_dir = tempfile.mkdtemp(prefix="bench-faults-")
    fresh_url = delivery.create_database(args.database_url) if args.database_url else ""
    if fresh_url:
        os.environ["BENCH_DATABASE_URL"] = fresh_url
    port_file = Path(var_dir) / "port"
    gw = subprocess.Popen([sys.executable, __file__, "--gateway", str(port_file)])
    supervisor = None
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
                "BUURTWACHT_DELIVERY_HTTP_TIMEOUT": str(HTTP_TIMEOUT),
                "LOG_LEVEL": "ERROR",
            }
        )
        import run as base

        delivery.configure(var_dir)
        from django.core.management import call_command
        from django.db import connection

        from apps.web.management.commands.serve import WorkerSupervisor

        call_command("migrate", verbosity=0)
        municipality, coordinator, _key, _centre = delivery.build(args.recipients)
        admins = {f"32470{i:06d}" for i in range(args.recipients)}  # as the gateway sees them
        # The bench runs with DEBUG off: no demo mailbox and no e-mail files (the system checks).
        env = {
            **os.environ,
            "BUURTWACHT_DEV_MAILBOX": "false",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        }
        if fresh_url:
            env["DATABASE_URL"] = fresh_url
        supervisor = WorkerSupervisor([sys.executable, "manage.py", "run_worker"], cwd=ROOT, env=env).start()
        results = {
            "machine": {**base.machine(), "cpu_model": cpu_model()},
            "database": connection.vendor,
            "worker": "embedded (run_worker under serve's supervisor)",
            "recipients": args.recipients,
            "rounds": [],
        }
        for fault in faults:
            result = one_round(port, supervisor, coordinator, municipality, admins, fault, args.recipients)
            results["rounds"].append(result)
            print(json.dumps(result), flush=True)
        results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        target = RESULTS if connection.vendor == "sqlite" else RESULTS.with_name(f"faults-{connection.vendor}.json")
        target.parent.mkdir(exist_ok=True)
        target.write_text(json.dumps(results, indent=2))
        print(table(results["rounds"]))
    finally:
        if supervisor is not None:
            supervisor.stop()
        gw.kill()
        shutil.rmtree(var_dir, ignore_errors=True)
        if fresh_url:
            from django.db import connections

            connections.close_all()
            delivery.drop_database(args.database_url, fresh_url)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def table(rounds: list[dict]) -> str:
    lines = [
        "| fault | lost | repeated | flagged | repeated, not flagged | all delivered (s) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in rounds:
        done = f"{r['all_delivered_s']}" if r["finished"] else f"> {ROUND_TIMEOUT:.0f} (not finished)"
        lines.append(
            f"| {r['fault']} | {r['lost']} | {r['repeated']} | {r['flagged']} | {r['repeated_not_flagged']} | {done} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
