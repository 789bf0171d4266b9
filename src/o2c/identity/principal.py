"""Who calls: the person (or key holder) every recorded fact names, and the roles they hold."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. ``actor`` is what the audit trail records: a person's subject
    (with their name and e-mail where known) or an API key's holder, never a secret."""

    actor: str
    roles: frozenset[str]
    via: str  # "api-key" or "oidc"

    def holds_any(self, roles: frozenset[str]) -> bool:
        """True if the caller holds one of ``roles``; an admin holds every role."""
        return "admin" in self.roles or bool(self.roles & roles)


def person(subject: str, name: str | None = None, email: str | None = None) -> str:
    """The actor string of a person: ``alice (Alice Example, alice@example.com)``."""
    known = ", ".join(part for part in (name, email) if part)
    return f"{subject} ({known})" if known else subject
