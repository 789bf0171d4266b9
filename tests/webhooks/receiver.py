"""A real webhook receiver on loopback that verifies every request with ``standardwebhooks``.

Each subscription gets its own path; the receiver knows the path's secret and records what
arrived there. Tests steer a path's answer (a status code, holding the request until released,
dropping the connection unanswered, trickling the answer a byte at a time) and can stop the whole
server and start it again on the same port, like a receiver going down and coming back.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError

WAIT = 30.0  # seconds before a test gives up waiting (a hang guard, not a speed assertion)


@dataclass
class Path:
    """What one path answers, and what it got."""

    secret: str = ""
    status: int = 204
    hold: threading.Event | None = None  # set = answer; unset = keep the request waiting
    hold_from: int | None = None  # hold only from the n-th verified request on (0-based)
    drop: bool = False  # close the connection of a held request without answering it
    trickle: float | None = None  # seconds between the bytes of a 204 answer
    cut_short: int = 0  # trickled answers the sender hung up on before their last byte
    received: list[dict[str, Any]] = field(default_factory=list)  # verified, in arrival order
    ids: list[str] = field(default_factory=list)  # webhook-id header of each
    acknowledged: list[str] = field(default_factory=list)  # ids answered 2xx
    requests: int = 0
    waiting: int = 0  # requests being held right now


class Receiver:
    """ThreadingHTTPServer on 127.0.0.1 with per-path behaviour."""

    def __init__(self) -> None:
        self.paths: dict[str, Path] = defaultdict(Path)
        self.rejected: list[str] = []
        self.changed = threading.Condition()
        self.port = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._closing = threading.Event()

    # ---- server life ----------------------------------------------------------------------

    def start(self) -> None:
        """Listen (on the same port as before after a ``stop``)."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real receivers do

            def setup(self) -> None:
                super().setup()
                receiver._connections.add(self.connection)

            def finish(self) -> None:
                receiver._connections.discard(self.connection)
                super().finish()

            def do_POST(self) -> None:
                receiver._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self._closing.clear()
        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop listening and cut every open connection (the receiver is down)."""
        if self._server is None:
            return
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        for conn in list(self._connections):
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        self._server = None

    def url(self, path: str) -> str:
        """The URL of one path."""
        return f"http://127.0.0.1:{self.port}{path}"

    def register(self, path: str, secret: str) -> Path:
        """Verify what arrives at ``path`` with ``secret``."""
        with self.changed:
            self.paths[path].secret = secret
            return self.paths[path]

    # ---- requests -------------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        body = h.rfile.read(int(h.headers.get("Content-Length", "0")))
        headers = {k.lower(): v for k, v in h.headers.items()}
        with self.changed:
            path = self.paths[h.path]
            path.requests += 1
            self.changed.notify_all()
        try:
            if headers.get("content-type") != "application/cloudevents+json":
                raise WebhookVerificationError(f"content type {headers.get('content-type')}")
            event = Webhook(path.secret).verify(body, headers)
        except Exception as exc:  # any verification failure is the test's failure
            with self.changed:
                self.rejected.append(f"{h.path}: {exc}")
                self.changed.notify_all()
            self._answer(h, 401)
            return
        assert json.loads(body) == event
        with self.changed:
            path.received.append(event)
            path.ids.append(headers["webhook-id"])
            hold = path.hold
            if path.hold_from is not None and len(path.received) <= path.hold_from:
                hold = None
            if hold is not None:
                path.waiting += 1
            self.changed.notify_all()
        if hold is not None:
            hold.wait(WAIT)
            with self.changed:
                path.waiting -= 1
        with self.changed:
            drop, status, trickle = path.drop and hold is not None, path.status, path.trickle
        if trickle is not None:
            self._trickle(h, path, headers["webhook-id"], trickle)
            return
        with self.changed:
            if not drop and 200 <= status < 300:
                path.acknowledged.append(headers["webhook-id"])
            self.changed.notify_all()
        if drop:
            h.close_connection = True
            h.connection.shutdown(socket.SHUT_RDWR)
            return
        self._answer(h, status)

    def _trickle(
        self, h: BaseHTTPRequestHandler, path: Path, webhook_id: str, interval: float
    ) -> None:
        """Answer 204, one byte every ``interval`` seconds, like a receiver stuck on a slow link."""
        answer = b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"
        h.close_connection = True
        try:
            for byte in answer:
                h.wfile.write(bytes([byte]))
                if self._closing.wait(interval):
                    return
        except OSError:
            with self.changed:
                path.cut_short += 1
                self.changed.notify_all()
            return
        with self.changed:
            path.acknowledged.append(webhook_id)
            self.changed.notify_all()

    @staticmethod
    def _answer(h: BaseHTTPRequestHandler, status: int) -> None:
        text = b"" if 200 <= status < 300 else b"not now"
        try:
            h.send_response(status)
            h.send_header("Content-Length", str(len(text)))
            h.end_headers()
            h.wfile.write(text)
        except OSError:
            h.close_connection = True

    # ---- waiting --------------------------------------------------------------------------

    def wait(self, what: Callable[[], bool], why: str, timeout: float = WAIT) -> None:
        """Block until ``what()`` holds (checked whenever a request arrives or ends)."""
        with self.changed:
            if not self.changed.wait_for(what, timeout):
                raise AssertionError(f"gave up waiting: {why} (rejected: {self.rejected})")


def eventually(what: Callable[[], bool], why: str, timeout: float = WAIT) -> None:
    """Poll a condition outside the receiver until it holds (a hang guard, not a timing test)."""
    deadline = time.monotonic() + timeout
    while not what():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting: {why}")
        time.sleep(0.02)
