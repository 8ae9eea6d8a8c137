"""A local fake of a provider's HTTP API, in a thread on 127.0.0.1, for the channel tests.

It records every request (time, path, headers, JSON body, the client's port: one per TCP
connection) and answers as told: a canned response per request, optionally after a delay.
``answer`` returns ``(status, payload)`` or ``(status, payload, headers)``, or one of the faults:

- ``HANG_UP``: read the request, then close the connection without a word (the client sees EOF);
- ``RESET``: read the request, then abort the connection (the client sees a TCP reset);
- ``then_close(reply)``: answer as if keeping the connection alive, then close it anyway (a
  gateway closing an idle kept-alive connection: the next request must go on a new one).

``sequence`` answers requests in turn. ``free_port`` gives a port nothing listens on (a gateway
that is down).
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Seen:
    at: float
    path: str
    headers: dict[str, str]
    body: dict
    peer: int = 0  # the client's port: requests with the same peer came on one connection


HANG_UP = "hang up"
RESET = "reset"


@dataclass(frozen=True)
class _ThenClose:
    reply: tuple


def then_close(reply: tuple) -> _ThenClose:
    """Send ``reply`` (without ``Connection: close``), then close the connection."""
    return _ThenClose(reply)


def sequence(*answers: Any) -> Callable[[Seen], Any]:
    """Answer the n-th request with the n-th of ``answers`` (a reply, a fault or a function of
    the request); the last one answers every request after."""
    queue = list(answers)
    lock = threading.Lock()

    def answer(seen: Seen) -> Any:
        with lock:
            item = queue.pop(0) if len(queue) > 1 else queue[0]
        return item(seen) if callable(item) else item

    return answer


@dataclass
class FakeGateway:
    answer: Callable[[Seen], Any]
    delay: float = 0.0
    seen: list[Seen] = field(default_factory=list)
    closed: int = 0  # connections the gateway has closed, for ``wait_closed``

    def __post_init__(self) -> None:
        gateway = self
        self._closing = threading.Condition()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in two writes: without this, Nagle and delayed ACKs add 40 ms.
            disable_nagle_algorithm = True

            def do_POST(self):  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                seen = Seen(time.monotonic(), self.path, headers, {}, self.client_address[1])
                try:
                    seen.body = json.loads(raw)
                except ValueError:
                    seen.body = {"unparsable": raw.decode(errors="replace")}
                gateway.seen.append(seen)
                if gateway.delay:
                    time.sleep(gateway.delay)
                reply = gateway.answer(seen)
                if reply == HANG_UP:
                    self.close_connection = True
                    return
                if reply == RESET:
                    # SO_LINGER 0: close() sends a RST instead of a FIN.
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                    self.close_connection = True
                    return
                close_after = isinstance(reply, _ThenClose)
                if close_after:
                    reply = reply.reply
                status, payload, *rest = reply
                extra = rest[0] if rest else {}
                data = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
                try:
                    self.send_response_only(status)
                    given = {k.lower() for k in extra}
                    if "date" not in given:
                        self.send_header("Date", formatdate(usegmt=True))
                    if "content-type" not in given:
                        self.send_header("Content-Type", "application/json")
                    for name, value in extra.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                if close_after:
                    self.close_connection = True

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def shutdown_request(self, request):
                super().shutdown_request(request)
                with gateway._closing:
                    gateway.closed += 1
                    gateway._closing.notify_all()

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        # A short poll: ``close`` (shutdown) waits for it, in every test's teardown.
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_closed(self, n: int = 1, timeout: float = 5.0) -> None:
        """Wait until the gateway has closed ``n`` connections."""
        with self._closing:
            if not self._closing.wait_for(lambda: self.closed >= n, timeout):
                raise AssertionError(f"the gateway closed {self.closed} connections, not {n}")

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


def whatsapp_error(
    status: int, code: int, message: str, headers: dict[str, str] | None = None, details: str = ""
) -> Callable[[Seen], tuple]:
    """A Graph API error in its envelope: ``message`` starts with ``(#code)``; ``error_data``
    (with ``details``), ``error_subcode`` and ``fbtrace_id`` are optional in the real ones."""

    def answer(_seen: Seen) -> tuple:
        error: dict[str, Any] = {"message": f"(#{code}) {message}", "type": "OAuthException", "code": code}
        if details:
            error["error_data"] = {"messaging_product": "whatsapp", "details": details}
            error["fbtrace_id"] = "Az8or2yhqkZfEZ-_4Qn_Bam"
        return status, {"error": error}, dict(headers or {})

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


def cm_error(
    status: int, details: str, headers: dict[str, str] | None = None, error_code: int | None = None
) -> Callable[[Seen], tuple]:
    """CM's answer to a request it did not take: no messages, a ``details`` text (and its
    ``errorCode`` when given)."""

    def answer(_seen: Seen) -> tuple:
        payload: dict[str, Any] = {"details": details, "messages": []}
        if error_code is not None:
            payload["errorCode"] = error_code
        return status, payload, dict(headers or {})

    return answer
