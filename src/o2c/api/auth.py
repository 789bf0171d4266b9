"""Bearer authentication (API keys, OpenID Connect) and the four roles.

``clerk`` runs day-to-day commands, ``credit`` credit decisions, ``auditor`` reads everything and
runs no command, ``admin`` does all. No token, or one this API does not accept → 401 with
``WWW-Authenticate``; an accepted token without the role → 403. A presented token is compared
with the configured API keys first (constant time), then, with ``O2C_OIDC_ISSUER`` set, handed
to the identity provider's verifier. No token, nor any part of one, is logged or recorded.

Routes take their caller as ``who: Clerk`` (``Credit``, ``Reader``, ``Auditor``, ``Admin``);
tests replace ``authenticate`` through ``app.dependency_overrides``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from o2c.api.problems import Problem
from o2c.identity.api_keys import ApiKeyring
from o2c.identity.oidc import InvalidToken, OidcVerifier, ProviderUnavailable
from o2c.identity.principal import Principal

log = logging.getLogger(__name__)

bearer = HTTPBearer(
    auto_error=False, description="an API key (O2C_API_TOKENS) or an OpenID Connect access token"
)

READERS = frozenset({"clerk", "credit", "auditor", "admin"})
REALM = 'Bearer realm="o2c"'


class Authenticator:
    """What this process accepts as a bearer token: its API keys and, optionally, one issuer."""

    def __init__(self, keys: ApiKeyring, oidc: OidcVerifier | None = None) -> None:
        self.keys = keys
        self.oidc = oidc

    def principal(self, token: str) -> Principal:
        """The caller behind ``token``; raises a 401/503 ``Problem`` if there is none."""
        holder = self.keys.holder_of(token)
        if holder is not None:
            return Principal(holder.actor, frozenset({holder.role}), "api-key")
        if self.oidc is None:
            raise _unauthorized("invalid_token", "unknown token")
        try:
            return self.oidc.principal(token)
        except InvalidToken as err:
            log.info("bearer token refused: %s", err)
            raise _unauthorized("invalid_token", f"token refused: {err}") from err
        except ProviderUnavailable as err:
            log.warning("identity provider unavailable: %s", err)
            raise Problem(
                503, "identity-provider-unavailable", "the identity provider did not answer"
            ) from err


def generate_admin_token() -> str:
    """A fresh random admin token (used when no key and no issuer is configured)."""
    return secrets.token_urlsafe(24)


def _unauthorized(error: str | None, detail: str) -> Problem:
    challenge = REALM if error is None else f'{REALM}, error="{error}"'
    return Problem(401, "unauthorized", detail, headers={"WWW-Authenticate": challenge})


def authenticate(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """Dependency: the authenticated caller (any role)."""
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise _unauthorized(None, "a bearer token is required")
    authenticator: Authenticator = request.app.state.authenticator
    return authenticator.principal(creds.credentials)


class RoleCheck:
    """Dependency: authenticated and holding one of ``roles`` (admin always passes).

    The roles stay readable on the dependency, so ``GET /v1/me`` can tell a caller which
    commands its roles allow from the routes themselves, not from a copy of these rules."""

    def __init__(self, roles: frozenset[str]) -> None:
        self.roles = roles | {"admin"}

    def __call__(self, principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        if not principal.holds_any(self.roles):
            raise Problem(
                403,
                "forbidden",
                f"{principal.actor} may not do this (needs one of the roles {sorted(self.roles)})",
            )
        return principal


def allow(*roles: str) -> Callable[..., Principal]:
    """Dependency: authenticated and holding one of ``roles`` (admin always passes)."""
    return RoleCheck(frozenset(roles))


Clerk = Annotated[Principal, Depends(allow("clerk"))]
Credit = Annotated[Principal, Depends(allow("credit"))]
Reader = Annotated[Principal, Depends(allow(*READERS))]
Auditor = Annotated[Principal, Depends(allow("auditor"))]
Admin = Annotated[Principal, Depends(allow())]
