"""The dashboard's OpenID Connect login: the authorization-code flow with PKCE.

The browser is sent to the issuer's authorization endpoint and comes back to this server with a
one-time code; this server (a confidential client when ``O2C_OIDC_CLIENT_SECRET`` is set)
exchanges the code for tokens at the issuer's token endpoint. The code never becomes a token in
the browser's history, and the page's Content-Security-Policy can stay ``connect-src 'self'``
(the page never calls the issuer). ``state`` ties the answer to the browser that asked (it is
kept in a cookie only this server reads); the PKCE verifier ties the code to this exchange.

What the page then holds is the access token, the same bearer the API accepts from any client.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from o2c.identity.oidc import ProviderUnavailable

SCOPE = "openid profile email"


class LoginFailed(Exception):
    """The issuer refused the exchange, or answered without an access token."""


@dataclass(frozen=True)
class LoginStart:
    """Where to send the browser, and what to remember until it comes back."""

    url: str
    state: str
    verifier: str


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class CodeFlow:
    """One client of one issuer: starts logins and exchanges their codes for access tokens."""

    def __init__(
        self,
        metadata: Callable[[], dict[str, Any]],
        client_id: str,
        client_secret: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        self._metadata = metadata
        self.client_id = client_id
        self._secret = client_secret
        self._timeout = timeout

    def start(self, redirect_uri: str) -> LoginStart:
        """A new login: the authorization URL with a fresh state, nonce and PKCE challenge."""
        state = secrets.token_urlsafe(24)
        verifier = secrets.token_urlsafe(48)  # 64 characters: RFC 7636 asks for 43 to 128
        query = urllib.parse.urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "scope": SCOPE,
                "state": state,
                "nonce": secrets.token_urlsafe(16),
                "code_challenge": _challenge(verifier),
                "code_challenge_method": "S256",
            }
        )
        endpoint = str(self._metadata()["authorization_endpoint"])
        separator = "&" if "?" in endpoint else "?"
        return LoginStart(f"{endpoint}{separator}{query}", state, verifier)

    def finish(self, code: str, verifier: str, redirect_uri: str) -> str:
        """Exchange the code the browser brought back for the person's access token."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        headers = {
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        if self._secret is None:
            form["client_id"] = self.client_id  # a public client names itself in the body
        else:
            pair = f"{_quoted(self.client_id)}:{_quoted(self._secret)}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        status, body = self._post(str(self._metadata()["token_endpoint"]), form, headers)
        if status != 200 or not isinstance(body, dict):
            reason = body.get("error") if isinstance(body, dict) else None
            raise LoginFailed(f"the issuer refused the code ({reason or status})")
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise LoginFailed("the issuer answered without an access token")
        return token

    def _post(self, url: str, form: dict[str, str], headers: dict[str, str]) -> tuple[int, Any]:
        data = urllib.parse.urlencode(form).encode("ascii")
        request = urllib.request.Request(url, data=data, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as err:
            try:
                return err.code, json.loads(err.read() or b"null")
            except ValueError:
                return err.code, None
        except (OSError, ValueError) as err:
            raise ProviderUnavailable(f"{url}: {type(err).__name__}") from err


def _quoted(value: str) -> str:
    # RFC 6749 §2.3.1: client id and secret are form-encoded before Basic encoding.
    return urllib.parse.quote_plus(value)
