"""A real OpenID Connect provider (``oidc-provider-mock``) in a subprocess, and its code flow."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qs, urlparse

import httpx

from tests.support.ports import free_port

CLI = Path(sys.executable).with_name("oidc-provider-mock")
CLIENT_ID = "o2c-api"
REDIRECT_URI = "http://127.0.0.1/callback"

ALICE: dict[str, object] = {
    "sub": "alice",
    "name": "Alice Example",
    "email": "alice@example.com",
    "roles": ["clerk"],
}
BOB: dict[str, object] = {"sub": "bob", "name": "Bob"}


class Provider:
    """``oidc-provider-mock`` on 127.0.0.1:``port``; a restart generates a new signing key."""

    def __init__(
        self,
        users: Sequence[dict[str, object]] = (ALICE, BOB),
        token_max_age: int | None = None,
        port: int | None = None,
    ) -> None:
        self.users = list(users)
        self.token_max_age = token_max_age
        self.port = port if port is not None else free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The issuer, as reached by its IP address."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> None:
        """Start the provider and wait until its discovery document answers."""
        command = [str(CLI), "--host", "127.0.0.1", "--port", str(self.port)]
        for user in self.users:
            command += ["--user-claims", json.dumps(user)]
        if self.token_max_age is not None:
            command += ["--token-max-age", str(self.token_max_age)]
        self._process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"oidc-provider-mock exited with {self._process.returncode}")
            try:
                answer = httpx.get(f"{self.url}/.well-known/openid-configuration", timeout=1.0)
                if answer.status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"oidc-provider-mock did not answer on port {self.port}")

    def stop(self) -> None:
        """Stop the provider (this process started it) and wait for it to exit."""
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def restart(self) -> None:
        """Stop and start again on the same port: a new signing key, no tokens remembered."""
        self.stop()
        deadline = time.monotonic() + 10.0
        while True:  # the port may linger briefly after the old process exits
            try:
                self.start()
                return
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def __enter__(self) -> Provider:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    def login(
        self, sub: str, client_id: str = CLIENT_ID, scope: str = "openid profile email"
    ) -> tuple[str, str]:
        """The authorization-code flow for ``sub``: (opaque access token, JWT id token)."""
        return login(self.url, sub, client_id=client_id, scope=scope)


def login(
    issuer: str, sub: str, client_id: str = CLIENT_ID, scope: str = "openid profile email"
) -> tuple[str, str]:
    """Log ``sub`` in at ``issuer`` by the authorization-code flow: (access_token, id_token)."""
    with httpx.Client(timeout=10.0) as http:
        meta = http.get(f"{issuer}/.well-known/openid-configuration").json()
        params = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT_URI,
            "scope": scope,
            "state": "s-1",
            "nonce": "n-1",
        }
        consent = http.post(meta["authorization_endpoint"], params=params, data={"sub": sub})
        assert consent.status_code in (302, 303), consent.text
        query = parse_qs(urlparse(consent.headers["location"]).query)
        assert query.get("state") == ["s-1"], query
        tokens = http.post(
            meta["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": query["code"][0],
                "redirect_uri": REDIRECT_URI,
            },
            auth=(client_id, "any-secret"),  # client_secret_basic; any secret is accepted
        )
        assert tokens.status_code == 200, tokens.text
        body = tokens.json()
        return str(body["access_token"]), str(body["id_token"])
