"""One signed HTTP POST of one CloudEvent, per the Standard Webhooks spec.

Headers: ``webhook-id`` (the CloudEvent id, the same on every retry and replay, so a receiver
dedupes by it), ``webhook-timestamp`` (seconds) and ``webhook-signature`` (``v1,`` + base64
HMAC-SHA256 of ``id.timestamp.body`` under the subscription's secret), computed by the
``standardwebhooks`` library. The body is the CloudEvent in structured mode
(``application/cloudevents+json``), so no ``ce-*`` headers travel.

Redirects are not followed: a 3xx is a failed attempt, since following it could leave the hosts
``O2C_WEBHOOK_ALLOW`` permits.

The timeout bounds a whole attempt (connecting, the TLS handshake, sending, the answer), not each
socket operation: a receiver trickling its answer a byte at a time would otherwise hold an
attempt, and the subscription's worker, for as long as it likes. Every socket operation gets
only what remains of the attempt's time. Resolving the host name is the system resolver's and
is not bounded here.
"""

from __future__ import annotations

import http.client
import io
import json
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import urlsplit

from standardwebhooks import Webhook

import o2c

CONTENT_TYPE = "application/cloudevents+json"
USER_AGENT = f"o2c-webhooks/{o2c.__version__}"
# A receiver's answer is only looked at for its status and the start of its text.
_MAX_BODY = 64 * 1024
_ERROR_TEXT = 200
# The connection was closed by the other side before it answered: on a kept-alive connection
# that only means the server dropped it while idle, not that the endpoint failed.
_STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: a status code, or an error before any status."""

    status_code: int | None
    error: str | None
    duration_ms: float

    @property
    def ok(self) -> bool:
        """A 2xx acknowledges the event."""
        return self.status_code is not None and 200 <= self.status_code < 300


def encode(event: dict[str, Any]) -> str:
    """The CloudEvent as compact ASCII JSON (the exact text that is signed and sent)."""
    return json.dumps(event, separators=(",", ":"))


def signed_headers(
    secret: str, msg_id: str, body: str, at: datetime | None = None
) -> dict[str, str]:
    """The three Standard Webhooks headers for ``body``."""
    at = at or datetime.now(UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body),
    }


class AttemptTimedOut(TimeoutError):
    """The attempt used up its time."""


class _Deadline:
    """The end of the current attempt, shared by the connection's socket operations."""

    def __init__(self) -> None:
        self.at = 0.0

    def remaining(self) -> float:
        """Seconds left; ``AttemptTimedOut`` once none are (a zero timeout would mean
        non-blocking, not "no time")."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise AttemptTimedOut("the attempt ran out of time")
        return left


class _DeadlineSocket:
    """The connection's socket, each send and receive limited to what remains of the attempt.

    ``http.client`` only sends with ``sendall``, reads through ``makefile("rb")`` and closes;
    anything else goes to the socket itself."""

    def __init__(self, sock: socket.socket, deadline: _Deadline) -> None:
        self._sock = sock
        self._deadline = deadline

    def arm(self) -> None:
        """Give the next operation the time that is left."""
        self._sock.settimeout(self._deadline.remaining())

    def sendall(self, data: bytes) -> None:
        self.arm()
        self._sock.sendall(data)  # the timeout bounds a whole sendall

    def recv_into(self, buffer: memoryview) -> int:
        self.arm()
        return self._sock.recv_into(buffer)

    def makefile(self, mode: str = "rb", *args: Any, **kwargs: Any) -> io.BufferedReader:
        if mode != "rb":
            raise ValueError(f"unsupported mode {mode!r}")
        return io.BufferedReader(_DeadlineReader(self))

    def close(self) -> None:
        self._sock.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class _DeadlineReader(io.RawIOBase):
    """The answer's bytes, each receive limited to what remains of the attempt."""

    def __init__(self, sock: _DeadlineSocket) -> None:
        super().__init__()
        self._sock = sock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        return self._sock.recv_into(buffer)


class Sender:
    """POSTs to one subscription's endpoint, keeping the connection alive between events.
    ``timeout``: seconds one attempt may take in all."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None
        self._target: tuple[str, str, int | None] | None = None
        self._deadline = _Deadline()

    def close(self) -> None:
        """Close the kept-alive connection."""
        if self._conn is not None:
            self._conn.close()
        self._conn = None

    def _connection(self, url: str) -> tuple[http.client.HTTPConnection, bool]:
        parts = urlsplit(url)
        target = (parts.scheme, parts.hostname or "", parts.port)
        if self._conn is not None and self._target == target and self._conn.sock is not None:
            return self._conn, True
        self.close()
        # Connecting (and the TLS handshake, which CPython bounds as a whole) gets what is left.
        left = self._deadline.remaining()
        conn: http.client.HTTPConnection
        if parts.scheme == "https":
            context = ssl.create_default_context()
            conn = http.client.HTTPSConnection(target[1], target[2], timeout=left, context=context)
        else:
            conn = http.client.HTTPConnection(target[1], target[2], timeout=left)
        self._conn, self._target = conn, target
        conn.connect()
        conn.sock = cast(socket.socket, _DeadlineSocket(conn.sock, self._deadline))
        return conn, False

    def post(self, url: str, secret: str, msg_id: str, body: str) -> Outcome:
        """One attempt (signed now), over within ``timeout`` seconds; never raises for what the
        network or endpoint does."""
        started = time.perf_counter()
        self._deadline.at = time.monotonic() + self.timeout
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        payload = body.encode()
        headers = {
            "Content-Type": CONTENT_TYPE,
            "User-Agent": USER_AGENT,
            **signed_headers(secret, msg_id, body),
        }
        for _ in range(2):
            reused = False
            try:
                conn, reused = self._connection(url)
                conn.request("POST", path, body=payload, headers=headers)
                response = conn.getresponse()
                text = response.read(_MAX_BODY)
                if not response.isclosed() or response.will_close:
                    self.close()  # an unread rest or a server that closes: start afresh
                status = response.status
                error = None
                if not 200 <= status < 300:
                    snippet = text[:_ERROR_TEXT].decode("utf-8", "replace").strip()
                    error = f"HTTP {status}" + (f": {snippet}" if snippet else "")
                return Outcome(status, error, _ms(started))
            except _STALE as exc:
                self.close()
                if reused:
                    continue
                return Outcome(None, _describe(exc, self.timeout), _ms(started))
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                return Outcome(None, _describe(exc, self.timeout), _ms(started))
        return Outcome(None, "the connection was closed before an answer", _ms(started))


def _describe(exc: BaseException, timeout: float) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return f"no answer within {timeout:g} s"
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:_ERROR_TEXT]


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
