"""Bearer-token authentication and the four roles (clerk, credit, auditor, admin).

``clerk`` runs day-to-day commands, ``credit`` credit decisions, ``auditor`` reads everything and
runs no command, ``admin`` does all. No token → 401; a token without the role → 403.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from o2c.api.problems import Problem

bearer = HTTPBearer(auto_error=False, description="token from O2C_API_TOKENS")

READERS = frozenset({"clerk", "credit", "auditor", "admin"})


@dataclass(frozen=True)
class Principal:
    """Who calls: the role and a short, non-secret name for the audit trail."""

    role: str
    name: str


def generate_admin_token() -> str:
    """A fresh random admin token (used when O2C_API_TOKENS is unset)."""
    return secrets.token_urlsafe(24)


def _authenticate(request: Request, creds: HTTPAuthorizationCredentials | None) -> Principal:
    tokens: dict[str, str] = request.app.state.tokens
    if creds is None or creds.scheme.lower() != "bearer":
        raise Problem(
            401,
            "unauthorized",
            "a bearer token is required",
        )
    role = tokens.get(creds.credentials)
    if role is None:
        raise Problem(401, "unauthorized", "unknown token")
    name = f"{role}:{creds.credentials[:4]}…"
    return Principal(role, name)


def allow(*roles: str) -> Callable[..., Principal]:
    """Dependency: authenticated and holding one of ``roles`` (admin always passes)."""
    allowed = frozenset(roles) | {"admin"}

    def dependency(
        request: Request, creds: HTTPAuthorizationCredentials | None = Depends(bearer)
    ) -> Principal:
        principal = _authenticate(request, creds)
        if principal.role not in allowed:
            raise Problem(
                403,
                "forbidden",
                f"role {principal.role!r} may not do this (needs one of {sorted(allowed)})",
            )
        return principal

    return dependency


clerk = allow("clerk")
credit = allow("credit")
reader = allow(*READERS)
auditor = allow("auditor")
