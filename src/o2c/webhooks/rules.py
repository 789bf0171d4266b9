"""What a subscription may point to and listen for, and which events it receives.

Pure functions: the API refuses a bad subscription with them and the worker applies them again
before every attempt (``O2C_WEBHOOK_ALLOW`` may have narrowed since the subscription was made).
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable, Sequence
from fnmatch import fnmatchcase
from urllib.parse import urlsplit

from o2c.events.catalog import BY_NAME, CATALOG
from o2c.events.envelope import EventEnvelope

SECRET_PREFIX = "whsec_"
# Standard Webhooks asks for 24 to 64 random bytes.
SECRET_BYTES = 32


def public_types() -> list[str]:
    """Every CloudEvents type a subscription can receive (internal bookkeeping never leaves)."""
    return sorted(s.cloud_type for s in CATALOG if not s.internal)


def unknown_patterns(patterns: Iterable[str]) -> list[str]:
    """The type patterns that match no public event type (most likely a typo)."""
    known = public_types()
    return [p for p in patterns if not any(fnmatchcase(t, p) for t in known)]


def url_refusal(url: str, allow: Sequence[str]) -> str | None:
    """Why ``url`` may not receive webhooks, or ``None`` when it may."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - a malformed port only raises when read
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if parts.scheme not in ("http", "https"):
        return "the URL must be http or https"
    if not host:
        return "the URL has no host"
    if not any(fnmatchcase(host, pattern) for pattern in allow):
        return f"host {host!r} is not allowed by O2C_WEBHOOK_ALLOW ({', '.join(allow) or 'empty'})"
    return None


def redacted(url: str) -> str:
    """The URL without credentials or query string, for logs."""
    try:
        parts = urlsplit(url)
        netloc = parts.hostname or ""
        if parts.port is not None:
            netloc = f"{netloc}:{parts.port}"
    except ValueError:
        return "<invalid url>"
    return f"{parts.scheme}://{netloc}{parts.path}"


def matches(envelope: EventEnvelope, patterns: Sequence[str], customer_id: str | None) -> bool:
    """True if the subscription receives this event: public, of a listed type, its customer."""
    if envelope.internal:
        return False
    if customer_id is not None and envelope.customer_id != customer_id:
        return False
    cloud_type = BY_NAME[envelope.event_type].cloud_type
    return any(fnmatchcase(cloud_type, p) for p in patterns)


def new_secret() -> str:
    """A fresh Standard Webhooks secret: ``whsec_`` and base64 of random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()
