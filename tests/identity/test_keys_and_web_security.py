"""API keys name their holder, never a piece of the secret; the usual web-security headers.

The leak check uses keys drawn from characters (``~^|!``) that no event, log line or JSON body
o2c writes would put four in a row, so finding any four-character piece of a key anywhere means
the key leaked.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient

from o2c.api.app import create_app
from o2c.api.auth import authenticate
from o2c.api.deps import command_service
from o2c.bootstrap import build_container
from o2c.cli.serve import server_config
from o2c.config import Settings
from o2c.eventstore.publication import Publication
from o2c.identity.api_keys import ApiKeyring, BadKeyEntry, parse_keys
from o2c.identity.principal import Principal
from tests.support.ports import free_port


def _secret(seed: int) -> str:
    rnd = random.Random(seed)
    return "".join(rnd.choice("~^|!") for _ in range(24))


ADMIN, CLERK, CLERK2 = _secret(1), _secret(2), _secret(3)
KEYS = f"{ADMIN}:admin:Ann Admin,{CLERK}:clerk,{CLERK2}:clerk"


def _settings(tmp_path: Path, **extra: Any) -> Settings:
    return Settings.from_env(
        {
            "O2C_EVENT_STORE_URL": f"sqlite:///{tmp_path / 'e.db'}",
            "O2C_READ_STORE_URL": f"sqlite:///{tmp_path / 'r.db'}",
            "O2C_API_TOKENS": KEYS,
            **extra,
        }
    )


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    container = build_container(_settings(tmp_path))
    try:
        with TestClient(create_app(container), raise_server_exceptions=False) as c:
            yield c
    finally:
        container.close()


def _as(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_keys_name_their_holder_or_role_and_number() -> None:
    ring = ApiKeyring(parse_keys(KEYS))
    found = [ring.holder_of(k) for k in (ADMIN, CLERK, CLERK2)]
    assert [(h.actor, h.role) for h in found if h] == [
        ("Ann Admin", "admin"),
        ("clerk-key-1", "clerk"),
        ("clerk-key-2", "clerk"),
    ]
    assert ring.holder_of(ADMIN[:-1]) is None
    assert ring.holder_of(ADMIN + "x") is None
    assert ring.holder_of("") is None


@pytest.mark.parametrize(
    "entry", [f"{ADMIN}:root", ADMIN, ":admin", f"{ADMIN}:"], ids=["role", "no-role", "", ":"]
)
def test_a_bad_key_entry_is_refused_without_repeating_the_secret(entry: str) -> None:
    with pytest.raises((BadKeyEntry, ValueError)) as caught:
        Settings.from_env({"O2C_API_TOKENS": entry})
    assert ADMIN[:4] not in str(caught.value)


def test_settings_repr_holds_no_key() -> None:
    assert ADMIN[:4] not in repr(Settings.from_env({"O2C_API_TOKENS": KEYS}))


def _leaks(text: str) -> list[str]:
    return [
        key[i : i + 4]
        for key in (ADMIN, CLERK, CLERK2)
        for i in range(len(key) - 3)
        if key[i : i + 4] in text
    ]


def test_a_full_run_names_holders_and_leaks_no_piece_of_any_key(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    customer = client.post(
        "/v1/customers",
        json={"name": "Acme", "currency": "EUR", "credit_limit": "1000"},
        headers=_as(ADMIN),
    ).json()
    cid = customer["customer_id"]
    for key in (CLERK, CLERK2):
        paid = client.post(
            "/v1/payments", json={"customer_id": cid, "amount": "10.00"}, headers=_as(key)
        )
        assert paid.status_code == 201, paid.text
    refused = client.post("/v1/payments", json={"customer_id": cid}, headers=_as(ADMIN[:-1]))
    assert refused.status_code == 401
    events = client.get(f"/v1/audit/customers/{cid}/events", headers=_as(ADMIN)).json()["events"]
    assert [e["o2cactor"] for e in events] == ["Ann Admin", "clerk-key-1", "clerk-key-2"]
    container = client.app.state.container  # type: ignore[attr-defined]
    published = [
        json.dumps(Publication(container.store).cloudevent(env))
        for env in container.store.read(0, 1000)
    ]
    assert published
    everything = "\n".join([*published, json.dumps(events), caplog.text, refused.text])
    assert _leaks(everything) == []


def test_401_challenges_and_403_names_the_caller_not_the_key(client: TestClient) -> None:
    missing = client.get("/v1/aging")
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert missing.headers["content-type"].startswith("application/problem+json")
    unknown = client.get("/v1/aging", headers=_as("not-a-key"))
    assert (
        unknown.status_code == 401
        and 'error="invalid_token"' in unknown.headers["WWW-Authenticate"]
    )
    forbidden = client.post(
        "/v1/customers",
        json={"name": "A", "currency": "EUR", "credit_limit": "1"},
        headers=_as(CLERK),
    )
    assert forbidden.status_code == 403
    assert "clerk-key-1" in forbidden.json()["detail"] and _leaks(forbidden.text) == []


def test_security_headers_and_docs_without_a_cdn(client: TestClient) -> None:
    answer = client.get("/v1/aging", headers=_as(ADMIN))
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Cache-Control"] == "no-store"
    assert client.get("/healthz").headers["X-Content-Type-Options"] == "nosniff"
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "cdn" not in docs.text.lower() and "https://" not in docs.text
    assets = [a for a in ("swagger-ui-bundle.js", "swagger-ui.css") if a in docs.text]
    assert len(assets) == 2
    for asset in assets:
        assert client.get(f"/static-offline-docs/{asset}").status_code == 200


def test_cors_is_closed_by_default_and_opens_to_configured_origins(tmp_path: Path) -> None:
    preflight = {
        "Origin": "https://ar.example.com",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "Authorization",
    }
    for origins, allowed in (("", False), ("https://ar.example.com", True)):
        container = build_container(_settings(tmp_path / str(allowed), O2C_CORS_ORIGINS=origins))
        try:
            with TestClient(create_app(container)) as c:
                answer = c.options("/v1/aging", headers=preflight)
                got = answer.headers.get("access-control-allow-origin")
                assert (got == "https://ar.example.com") is allowed
                other = c.get("/healthz", headers={"Origin": "https://evil.example"})
                assert "access-control-allow-origin" not in other.headers
        finally:
            container.close()


def test_the_served_api_sends_no_server_banner(tmp_path: Path) -> None:
    container = build_container(_settings(tmp_path))
    port = free_port()
    server = uvicorn.Server(
        server_config(create_app(container), "127.0.0.1", port, log_level="critical")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        answer = httpx.get(f"http://127.0.0.1:{port}/healthz")
        assert answer.status_code == 200
        assert "server" not in answer.headers
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        container.close()


def test_an_issuer_without_an_audience_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="O2C_OIDC_AUDIENCE"):
        Settings.from_env({"O2C_OIDC_ISSUER": "https://id.example.com"})
    settings = Settings.from_env(
        {"O2C_OIDC_ISSUER": "https://id.example.com/", "O2C_OIDC_AUDIENCE": "o2c-api"}
    )
    assert (settings.oidc_issuer, settings.oidc_audience) == ("https://id.example.com", "o2c-api")


class _SpyService:
    """Records what reaches the application service, then lets the real one handle it."""

    def __init__(self, real: Any) -> None:
        self.real, self.seen = real, []  # type: ignore[var-annotated]

    def handle(self, cmd: Any, ctx: Any) -> Any:
        self.seen.append((type(cmd).__name__, ctx.actor))
        return self.real.handle(cmd, ctx)


def test_tests_can_stand_in_for_the_caller_and_the_service(client: TestClient) -> None:
    cid = client.post(
        "/v1/customers",
        json={"name": "Acme", "currency": "EUR", "credit_limit": "1000"},
        headers=_as(ADMIN),
    ).json()["customer_id"]
    app: Any = client.app
    spy = _SpyService(app.state.container.service)
    robot = Principal("robot (Test Robot)", frozenset({"clerk"}), "test")
    app.dependency_overrides[authenticate] = lambda: robot
    app.dependency_overrides[command_service] = lambda: spy
    try:
        paid = client.post("/v1/payments", json={"customer_id": cid, "amount": "5.00"})
    finally:
        app.dependency_overrides.clear()
    assert paid.status_code == 201, paid.text
    assert spy.seen == [("ReceivePayment", "robot (Test Robot)")]
    events = client.get(f"/v1/audit/customers/{cid}/events", headers=_as(ADMIN)).json()["events"]
    assert events[-1]["o2cactor"] == "robot (Test Robot)"
    assert client.post("/v1/payments", json={"customer_id": cid}).status_code == 401
