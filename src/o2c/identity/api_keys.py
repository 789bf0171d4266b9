"""API keys: a secret, the role it grants and the person (or system) that holds it.

Keys are compared in constant time, as SHA-256 digests with ``hmac.compare_digest``, against every
configured key whatever matches first, so the answer time tells nothing about which key came
close. What enters the audit trail is the holder's name, or ``<role>-key-<n>`` when the entry
names nobody; never any part of the secret, which cannot be erased from an immutable log.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

ROLES = ("clerk", "credit", "auditor", "admin")


class BadKeyEntry(ValueError):
    """An ``O2C_API_TOKENS`` entry that cannot be read (the message never repeats the secret)."""


@dataclass(frozen=True)
class ApiKey:
    """One configured key. ``repr`` hides the secret: settings may be printed or logged."""

    secret: str = field(repr=False)
    role: str
    holder: str | None = None

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise BadKeyEntry(f"unknown role {self.role!r} (roles: {', '.join(ROLES)})")
        if not self.secret:
            raise BadKeyEntry("an API key must not be empty")

    @classmethod
    def parse(cls, entry: str, position: int) -> ApiKey:
        """``token:role`` or ``token:role:holder name`` (the holder may hold spaces)."""
        secret, sep, rest = entry.strip().partition(":")
        role, _, holder = rest.partition(":")
        if not sep or not secret or not role:
            raise BadKeyEntry(
                f"O2C_API_TOKENS entry {position} is not token:role[:holder] "
                f"(roles: {', '.join(ROLES)})"
            )
        return cls(secret, role.strip(), holder.strip() or None)


def parse_keys(value: str | Mapping[str, str] | Iterable[ApiKey]) -> tuple[ApiKey, ...]:
    """Keys from ``"tokA:admin:Ann Admin,tokB:clerk"``, a ``{token: "role[:holder]"}`` mapping
    or keys already made."""
    if isinstance(value, str):
        entries = [e for e in value.split(",") if e.strip()]
        return tuple(ApiKey.parse(e, n) for n, e in enumerate(entries, 1))
    if isinstance(value, Mapping):
        return tuple(
            ApiKey.parse(f"{token}:{grant}", n) for n, (token, grant) in enumerate(value.items(), 1)
        )
    return tuple(value)


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


@dataclass(frozen=True)
class KeyHolder:
    """Who a key names in the audit trail, and the role it grants."""

    actor: str
    role: str


class ApiKeyring:
    """Finds the holder of a presented key in constant time."""

    def __init__(self, keys: Iterable[ApiKey]) -> None:
        numbered: dict[str, int] = {}
        self._entries: list[tuple[bytes, KeyHolder]] = []
        for key in keys:
            numbered[key.role] = numbered.get(key.role, 0) + 1
            actor = key.holder or f"{key.role}-key-{numbered[key.role]}"
            self._entries.append((_digest(key.secret), KeyHolder(actor, key.role)))

    def __len__(self) -> int:
        return len(self._entries)

    def holder_of(self, presented: str) -> KeyHolder | None:
        """The key's holder, or ``None``; every key is compared, matching or not."""
        digest = _digest(presented)
        found: KeyHolder | None = None
        for stored, holder in self._entries:
            if hmac.compare_digest(stored, digest):
                found = holder
        return found
