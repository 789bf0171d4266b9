"""OpenID Connect bearer tokens: JWTs checked against the issuer's keys, opaque ones by userinfo.

PyJWT is the JOSE library: widely kept, it verifies a JWS signature with a JWK in one call and
its claim checks (``iss``, ``aud``) are standard; this module adds what the identity provider
knows and PyJWT cannot: discovery, a JWKS cache refetched when a token names a key id it has not
seen (the provider rotated its keys), and the ``userinfo`` round trip for an opaque access token
(answers cached for at most a minute, so a revoked token stops working within that time).
``exp`` and ``nbf`` are checked here against an injectable clock, with 60 s leeway for clock skew.

MFA, passwords and account lockout are the provider's job; o2c only accepts what it signed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt

from o2c.identity.api_keys import ROLES
from o2c.identity.principal import Principal, person

LEEWAY = 60.0
USERINFO_TTL = 60.0
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]

Fetch = Callable[[str, str | None], tuple[int, Any]]


class InvalidToken(Exception):
    """The token is not one this API accepts (expired, forged, another audience or issuer)."""


class _BadSignature(InvalidToken):
    """The signature does not verify with the key tried."""


class ProviderUnavailable(Exception):
    """The identity provider could not be asked (down, or answered nonsense)."""


def fetch_json(url: str, bearer: str | None = None, timeout: float = 5.0) -> tuple[int, Any]:
    """GET ``url`` (with a bearer token if given): (status, parsed JSON or ``None``)."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    if bearer is not None:
        request.add_header("Authorization", f"Bearer {bearer}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, None
    except (OSError, ValueError) as err:
        raise ProviderUnavailable(f"{url}: {type(err).__name__}") from err


@dataclass(frozen=True)
class _Answer:
    principal: Principal
    until: float


class OidcVerifier:
    """Turns a bearer token issued by one OpenID Connect provider into a ``Principal``."""

    def __init__(
        self,
        issuer: str,
        audience: str | None,
        roles_claim: str = "roles",
        *,
        fetch: Fetch = fetch_json,
        clock: Callable[[], float] = time.time,
        refetch_after: float = 5.0,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self.roles_claim = roles_claim
        self._fetch = fetch
        self.clock = clock
        # An unknown key id refetches the JWKS at most this often: a flood of forged tokens
        # must not become a flood of requests to the provider.
        self.refetch_after = refetch_after
        self._lock = threading.Lock()
        self._discovery: dict[str, Any] | None = None
        self._keys: dict[str, jwt.PyJWK] = {}
        self._keys_fetched = float("-inf")
        self._userinfo: dict[str, _Answer] = {}

    # ---- provider metadata -------------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        """The issuer's discovery document (fetched once)."""
        if self._discovery is None:
            url = f"{self.issuer}/.well-known/openid-configuration"
            status, body = self._fetch(url, None)
            if status != 200 or not isinstance(body, dict):
                raise ProviderUnavailable(f"discovery answered {status}")
            if str(body.get("issuer", "")).rstrip("/") != self.issuer:
                raise ProviderUnavailable("the discovery document names another issuer")
            self._discovery = body
        return self._discovery

    def _key(self, kid: str | None) -> jwt.PyJWK:
        with self._lock:
            key = self._find(kid)
            if key is None and self.clock() - self._keys_fetched >= self.refetch_after:
                self._load_keys()
                key = self._find(kid)
        if key is None:
            raise InvalidToken("signed with a key the issuer does not publish")
        return key

    def _find(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is None:
            return next(iter(self._keys.values())) if len(self._keys) == 1 else None
        return self._keys.get(kid)

    def _load_keys(self) -> None:
        status, body = self._fetch(str(self.metadata()["jwks_uri"]), None)
        if status != 200 or not isinstance(body, dict):
            raise ProviderUnavailable(f"JWKS answered {status}")
        keys: dict[str, jwt.PyJWK] = {}
        for n, jwk in enumerate(body.get("keys", [])):
            if jwk.get("use", "sig") != "sig":
                continue
            try:
                keys[str(jwk.get("kid", f"#{n}"))] = jwt.PyJWK(jwk)
            except jwt.PyJWTError:
                continue  # a key type this library cannot use is not one we can verify with
        self._keys, self._keys_fetched = keys, self.clock()

    # ---- tokens ------------------------------------------------------------------------------

    def principal(self, token: str) -> Principal:
        """The caller a token names (roles may be empty: the caller decides what that allows)."""
        claims = self._jwt_claims(token) if _looks_like_jwt(token) else None
        if claims is None:
            return self._by_userinfo(token)
        return self._principal(claims)

    def _jwt_claims(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as err:
            raise InvalidToken("not a readable JWT") from err
        kid = header.get("kid")
        key = self._key(kid)
        try:
            claims = self._decode(token, key)
        except _BadSignature:
            # A token naming no key id was checked with the one key held; the issuer may have
            # rotated it since. Look again (at most once per ``refetch_after``) and retry once.
            fresher = self._reloaded_key() if kid is None else None
            if fresher is None:
                raise
            claims = self._decode(token, fresher)
        self._check_times(claims)
        return claims

    def _reloaded_key(self) -> jwt.PyJWK | None:
        with self._lock:
            if self.clock() - self._keys_fetched < self.refetch_after:
                return None
            self._load_keys()
            return self._find(None)

    def _decode(self, token: str, key: jwt.PyJWK) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                options={
                    "verify_exp": False,  # _check_times checks them against our clock
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_aud": self.audience is not None,
                    "require": ["iss", "sub", "exp"],
                },
            )
        except jwt.InvalidAudienceError as err:
            raise InvalidToken("issued for another audience") from err
        except jwt.InvalidIssuerError as err:
            raise InvalidToken("issued by another issuer") from err
        except jwt.InvalidSignatureError as err:
            raise _BadSignature("signature does not verify") from err
        except jwt.PyJWTError as err:
            raise InvalidToken(f"rejected: {type(err).__name__}") from err
        return claims

    def _check_times(self, claims: dict[str, Any]) -> None:
        now = self.clock()
        try:
            expires, not_before = float(claims["exp"]), float(claims.get("nbf", now))
        except (TypeError, ValueError) as err:
            raise InvalidToken("exp or nbf is not a number") from err
        if now > expires + LEEWAY:
            raise InvalidToken("expired")
        if now < not_before - LEEWAY:
            raise InvalidToken("not valid yet")

    def _by_userinfo(self, token: str) -> Principal:
        key = hashlib.sha256(token.encode()).hexdigest()  # the cache never holds the token
        now = self.clock()
        cached = self._userinfo.get(key)
        if cached is not None and cached.until > now:
            return cached.principal
        endpoint = self.metadata().get("userinfo_endpoint")
        if not endpoint:
            raise InvalidToken("not a JWT, and the issuer has no userinfo endpoint")
        status, claims = self._fetch(str(endpoint), token)
        # RFC 6750 says 401 invalid_token, but some providers answer 400 (authlib's
        # access_denied): the request is only a GET with the token, so the token is the problem.
        if status in (400, 401, 403):
            raise InvalidToken("the issuer does not know this access token")
        if status != 200 or not isinstance(claims, dict) or not claims.get("sub"):
            raise ProviderUnavailable(f"userinfo answered {status}")
        principal = self._principal(claims)
        self._userinfo = {k: a for k, a in self._userinfo.items() if a.until > now}
        self._userinfo[key] = _Answer(principal, now + USERINFO_TTL)
        return principal

    def _principal(self, claims: dict[str, Any]) -> Principal:
        granted = claims.get(self.roles_claim, [])
        if isinstance(granted, str):
            granted = granted.split()
        roles = frozenset(r for r in granted if isinstance(r, str) and r in ROLES)
        name, email = claims.get("name"), claims.get("email")
        actor = person(
            str(claims["sub"]),
            name if isinstance(name, str) else None,
            email if isinstance(email, str) else None,
        )
        return Principal(actor, roles, "oidc")


def _looks_like_jwt(token: str) -> bool:
    """Three base64url parts whose first is a JSON header naming an algorithm."""
    parts = token.split(".")
    if len(parts) != 3:
        return False
    try:
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
    except ValueError:
        return False
    return isinstance(header, dict) and "alg" in header
