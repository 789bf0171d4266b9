"""One signed HTTP POST of one CloudEvent, per the Standard Webhooks spec.

Headers: ``webhook-id`` (the CloudEvent id, the same on every retry and replay, so a receiver
dedupes by it), ``webhook-timestamp`` (seconds) and ``webhook-signature`` (``v1,`` + base64
HMAC-SHA256 of ``id.timestamp.body`` under the subscription's secret), computed by the
``standardwebhooks`` library. The body is the CloudEvent in structured mode
(``application/cloudevents+json``), so no ``ce-*`` headers travel.

Redirects are not followed: a 3xx is a failed attempt, since following it could leave the hosts
``O2C_WEBHOOK_ALLOW`` permits.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
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


class Sender:
    """POSTs to one subscription's endpoint, keeping the connection alive between events."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None
        self._target: tuple[str, str, int | None] | None = None

    def close(self) -> None:
        """Close the kept-alive connection."""
        if self._conn is not None:
            self._conn.close()
        self._conn = None

    def _connection(self, url: str) -> tuple[http.client.HTTPConnection, bool]:
        parts = urlsplit(url)
        target = (parts.scheme, parts.hostname or "", parts.port)
        if self._conn is not None and self._target == target:
            return self._conn, True
        self.close()
        if parts.scheme == "https":
            self._conn = http.client.HTTPSConnection(
                target[1], target[2], timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            self._conn = http.client.HTTPConnection(target[1], target[2], timeout=self.timeout)
        self._target = target
        return self._conn, False

    def post(self, url: str, secret: str, msg_id: str, body: str) -> Outcome:
        """One attempt (signed now); never raises for what the network or endpoint does."""
        started = time.perf_counter()
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        payload = body.encode()
        headers = {
            "Content-Type": CONTENT_TYPE,
            "User-Agent": USER_AGENT,
            **signed_headers(secret, msg_id, body),
        }
        for _ in range(2):
            conn, reused = self._connection(url)
            try:
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
                return Outcome(None, _describe(exc), _ms(started))
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                return Outcome(None, _describe(exc), _ms(started))
        return Outcome(None, "the connection was closed before an answer", _ms(started))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out waiting for the endpoint"
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:_ERROR_TEXT]


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
