"""What a subscription may point to and listen for, and which events it receives.

Pure functions: the API refuses a bad subscription with them and the worker applies them again
before every attempt (``O2C_WEBHOOK_ALLOW`` may have narrowed since the subscription was made).
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from urllib.parse import urlsplit, urlunsplit

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


# Without a port, an allow-list entry admits only the scheme's own port: a host that serves
# webhooks on 443 may run a database or a broker on another one.
STANDARD_PORTS = {"http": 80, "https": 443}
MASK = "***"


@dataclass(frozen=True)
class AllowEntry:
    """One ``O2C_WEBHOOK_ALLOW`` entry: a host pattern and the ports it admits.

    ``host`` (only the scheme's standard port, 80 or 443), ``host:8080``, ``host:8000-8999`` or
    ``host:*`` (any port); an IPv6 address goes in brackets (``[::1]:8080``). The host is an
    ``fnmatch`` pattern (``*.example.com``), compared case-insensitively.
    """

    host: str
    low: int | None = None  # None: the scheme's standard port
    high: int | None = None

    @classmethod
    def parse(cls, entry: str) -> AllowEntry:
        """The entry, or ``ValueError`` saying what is wrong with it."""
        text = entry.strip().lower()
        if text.startswith("["):
            host, bracket, rest = text[1:].partition("]")
            if not bracket or (rest and not rest.startswith(":")):
                raise ValueError(
                    f"{entry!r}: an IPv6 address is written [address] or [address]:port"
                )
            ports = rest[1:] if rest else None
        elif text.count(":") == 1:
            host, _, ports = text.partition(":")
        else:
            host, ports = text, None  # a bare IPv6 address, or a host without a port
        if not host:
            raise ValueError(f"{entry!r}: no host")
        if ports is None:
            return cls(host)
        if ports == "*":
            return cls(host, 1, 65535)
        low_text, dash, high_text = ports.partition("-")
        low, high = _port(entry, low_text), _port(entry, high_text if dash else low_text)
        if low > high:
            raise ValueError(f"{entry!r}: the port range goes backwards")
        return cls(host, low, high)

    def admits(self, scheme: str, host: str, port: int | None) -> bool:
        """True if a URL of ``scheme`` to ``host`` on ``port`` (None: the default) may be used."""
        if not fnmatchcase(host.lower(), self.host):
            return False
        port = STANDARD_PORTS[scheme] if port is None else port
        if self.low is None or self.high is None:
            return port == STANDARD_PORTS[scheme]
        return self.low <= port <= self.high


def _port(entry: str, text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ValueError(f"{entry!r}: a port is a number from 1 to 65535, a range low-high, or *")
    return int(text)


def parse_allow(entries: Iterable[str]) -> tuple[AllowEntry, ...]:
    """Every entry of an allow-list; ``ValueError`` naming the first malformed one."""
    return tuple(AllowEntry.parse(e) for e in entries)


def url_refusal(url: str, allow: Sequence[str]) -> str | None:
    """Why ``url`` may not receive webhooks, or ``None`` when it may."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError as exc:
        return f"not a valid URL ({exc})"
    if parts.scheme not in STANDARD_PORTS:
        return "the URL must be http or https"
    if not host:
        return "the URL has no host"
    entries = parse_allow(allow)
    if any(e.admits(parts.scheme, host, port) for e in entries):
        return None
    listed = ", ".join(allow) or "empty"
    if not any(fnmatchcase(host.lower(), e.host) for e in entries):
        return f"host {host!r} is not allowed by O2C_WEBHOOK_ALLOW ({listed})"
    shown = STANDARD_PORTS[parts.scheme] if port is None else port
    return (
        f"port {shown} of host {host!r} is not allowed by O2C_WEBHOOK_ALLOW ({listed}); "
        "an entry names its ports as host:port, host:low-high or host:* "
        "(without one, only 80 for http and 443 for https)"
    )


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


def masked(url: str) -> str:
    """The URL as readers other than the admin see it: credentials, query values and fragment
    replaced by ``***`` (query parameter names stay, to tell subscriptions apart)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid url>"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rpartition('@')[2]}"
    query = "&".join(_masked_parameter(p) for p in parts.query.split("&")) if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, MASK if parts.fragment else ""))


def _masked_parameter(parameter: str) -> str:
    name, equals, _ = parameter.partition("=")
    return f"{name}={MASK}" if equals else MASK  # a bare parameter may be the token itself


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
