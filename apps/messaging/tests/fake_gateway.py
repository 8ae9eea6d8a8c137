"""A local fake of a provider's HTTP API, in a thread on 127.0.0.1, for the channel tests.

It records every request (time, path, headers, JSON body) and answers as told: a canned
response per request, optionally after a delay. ``free_port`` gives a port nothing listens on
(a gateway that is down).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Seen:
    at: float
    path: str
    headers: dict[str, str]
    body: dict


@dataclass
class FakeGateway:
    answer: Callable[[Seen], tuple[int, dict]]
    delay: float = 0.0
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in two writes: without this, Nagle and delayed ACKs add 40 ms.
            disable_nagle_algorithm = True

            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                seen = Seen(time.monotonic(), self.path, {k.lower(): v for k, v in self.headers.items()}, {})
                try:
                    seen.body = json.loads(raw)
                except ValueError:
                    seen.body = {"unparsable": raw.decode(errors="replace")}
                gateway.seen.append(seen)
                if gateway.delay:
                    time.sleep(gateway.delay)
                status, payload = gateway.answer(seen)
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def whatsapp_ok(seen: Seen) -> tuple[int, dict]:
    """The Cloud API's answer to an accepted message (shape of Meta's documented example)."""
    to = seen.body.get("to", "")
    n = len(seen.body.get("biz_opaque_callback_data", ""))
    return 200, {
        "messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": to}],
        "messages": [{"id": f"wamid.TEST{int(seen.at * 1e6)}{n}"}],
    }


def whatsapp_error(status: int, code: int, message: str) -> Callable[[Seen], tuple[int, dict]]:
    def answer(_seen: Seen) -> tuple[int, dict]:
        return status, {"error": {"message": f"(#{code}) {message}", "type": "OAuthException", "code": code}}

    return answer


def cm_ok(seen: Seen) -> tuple[int, dict]:
    msg = seen.body["messages"]["msg"][0]
    return 200, {
        "details": "Created 1 message(s)",
        "errorCode": 0,
        "messages": [
            {
                "to": msg["to"][0]["number"],
                "status": "Accepted",
                "reference": msg.get("reference"),
                "parts": 1,
                "messageDetails": None,
                "messageErrorCode": 0,
            }
        ],
    }


def cm_rejected(seen: Seen) -> tuple[int, dict]:
    msg = seen.body["messages"]["msg"][0]
    return 200, {
        "details": "Created 0 message(s)",
        "errorCode": 201,
        "messages": [
            {
                "to": msg["to"][0]["number"],
                "status": "Rejected",
                "reference": msg.get("reference"),
                "parts": 0,
                "messageDetails": "Invalid recipient",
                "messageErrorCode": 303,
            }
        ],
    }
