"""OpenID Connect bearer tokens against a real provider (``oidc-provider-mock`` in a subprocess).

Tokens come from the real authorization-code flow; the API verifies JWTs against the provider's
discovery + JWKS and opaque access tokens through its userinfo endpoint.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from o2c.api.app import create_app
from o2c.bootstrap import build_container
from o2c.config import Settings
from o2c.identity.oidc import OidcVerifier
from tests.identity.provider import CLIENT_ID, Provider

ADMIN = {"Authorization": "Bearer k-admin"}
ALICE_ACTOR = "alice (Alice Example, alice@example.com)"

MakeClient = Callable[..., TestClient]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    """One provider for the module (alice: clerk; bob: no roles claim)."""
    with Provider() as running:
        yield running


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator[MakeClient]:
    """Builds API clients over fresh SQLite stores trusting one issuer (and the admin key)."""
    opened: list[tuple[Any, Any]] = []

    def make(issuer: str, audience: str | None = CLIENT_ID) -> TestClient:
        where = tmp_path / str(len(opened))
        where.mkdir()
        settings = Settings(
            event_store_url=f"sqlite:///{where / 'e.db'}",
            read_store_url=f"sqlite:///{where / 'r.db'}",
            api_tokens={"k-admin": "admin:Ann Admin"},
            oidc_issuer=issuer,
            oidc_audience=audience,
        )
        container = build_container(settings)
        client = TestClient(create_app(container), raise_server_exceptions=False)
        client.__enter__()
        opened.append((client, container))
        return client

    yield make
    for client, container in reversed(opened):
        client.__exit__(None, None, None)
        container.close()


def verifier(client: TestClient) -> OidcVerifier:
    oidc = client.app.state.authenticator.oidc  # type: ignore[attr-defined]
    assert isinstance(oidc, OidcVerifier)
    return oidc


def open_customer(client: TestClient) -> str:
    answer = client.post(
        "/v1/customers",
        json={"name": "Acme", "currency": "EUR", "credit_limit": "1000.00"},
        headers=ADMIN,
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["customer_id"])


def pay(client: TestClient, customer_id: str, token: str) -> Any:
    return client.post(
        "/v1/payments",
        json={"customer_id": customer_id, "amount": "25.00", "method": "wire", "reference": "R1"},
        headers=bearer(token),
    )


def history(client: TestClient, customer_id: str) -> list[dict[str, Any]]:
    answer = client.get(f"/v1/audit/customers/{customer_id}/events", headers=ADMIN)
    assert answer.status_code == 200, answer.text
    events: list[dict[str, Any]] = answer.json()["events"]
    return events


def assert_refused(answer: Any, detail: str | None = None) -> None:
    assert answer.status_code == 401, answer.text
    assert answer.headers["WWW-Authenticate"].startswith('Bearer realm="o2c"')
    assert answer.headers["content-type"].startswith("application/problem+json")
    if detail is not None:
        assert detail in answer.json()["detail"]


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def test_opaque_access_token_is_checked_by_userinfo_and_names_alice(
    provider: Provider, make_client: MakeClient
) -> None:
    client = make_client(provider.url)
    customer = open_customer(client)
    access_token, _id_token = provider.login("alice")
    assert access_token.count(".") != 2  # opaque: only userinfo can say whose it is

    answer = pay(client, customer, access_token)
    assert answer.status_code == 201, answer.text

    events = history(client, customer)
    payments = [e for e in events if e["o2cactor"] == ALICE_ACTOR]
    assert payments, [e["o2cactor"] for e in events]
    assert {e["o2cactor"] for e in events} == {"Ann Admin", ALICE_ACTOR}
    assert access_token not in json.dumps(events)
    # a second call within the userinfo cache's minute is still alice
    assert pay(client, customer, access_token).status_code == 201


def test_jwt_signed_by_the_issuer_is_accepted_and_names_alice(
    provider: Provider, make_client: MakeClient
) -> None:
    client = make_client(provider.url)
    customer = open_customer(client)
    _access_token, id_token = provider.login("alice")

    answer = pay(client, customer, id_token)
    assert answer.status_code == 201, answer.text

    events = history(client, customer)
    assert any(e["o2cactor"] == ALICE_ACTOR for e in events)
    assert id_token not in json.dumps(events)
    assert id_token.split(".")[2] not in json.dumps(events)


def test_missing_forged_and_tampered_tokens_are_401(
    provider: Provider, make_client: MakeClient
) -> None:
    client = make_client(provider.url)
    customer = open_customer(client)
    _access_token, id_token = provider.login("alice")
    header, payload, signature = id_token.split(".")

    assert_refused(client.post("/v1/payments", json={"customer_id": customer, "amount": "1"}))
    assert_refused(client.get("/v1/payments", headers={"Authorization": "Basic a2V5Og=="}))

    # one character in the middle of the signature changed
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    altered = f"{header}.{payload}.{signature[:middle]}{flipped}{signature[middle + 1 :]}"
    assert_refused(pay(client, customer, altered), "signature")

    # alice promotes herself to admin; the issuer's signature no longer covers the payload
    claims = json.loads(unb64(payload))
    claims["roles"] = ["admin"]
    promoted = f"{header}.{b64(json.dumps(claims).encode())}.{signature}"
    assert_refused(pay(client, customer, promoted), "signature")

    # unsigned
    none_header = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    assert_refused(pay(client, customer, f"{none_header}.{payload}."))

    # an opaque token the provider never issued: userinfo refuses it
    assert_refused(pay(client, customer, "garbage-token-" + "x" * 30))

    assert pay(client, customer, id_token).status_code == 201  # the genuine one still works
    assert all(e["o2cactor"] in ("Ann Admin", ALICE_ACTOR) for e in history(client, customer))


def test_jwt_for_another_audience_is_401(provider: Provider, make_client: MakeClient) -> None:
    client = make_client(provider.url, audience="another-api")
    customer = open_customer(client)
    _access_token, id_token = provider.login("alice")  # aud = o2c-api
    assert_refused(pay(client, customer, id_token), "audience")
    # the same provider, a token issued to the audience the API expects
    _access_token, for_us = provider.login("alice", client_id="another-api")
    assert pay(client, customer, for_us).status_code == 201


def test_jwt_from_another_issuer_is_401(provider: Provider, make_client: MakeClient) -> None:
    # The provider reached as localhost names itself http://localhost:P in discovery, so the
    # app trusts that issuer and its keys; the token says iss = http://127.0.0.1:P.
    client = make_client(f"http://localhost:{provider.port}")
    customer = open_customer(client)
    _access_token, id_token = provider.login("alice")
    assert json.loads(unb64(id_token.split(".")[1]))["iss"] == provider.url
    assert_refused(pay(client, customer, id_token), "issuer")


def test_expired_jwt_is_401(provider: Provider, make_client: MakeClient) -> None:
    client = make_client(provider.url)
    customer = open_customer(client)
    _access_token, id_token = provider.login("alice")
    expires = json.loads(unb64(id_token.split(".")[1]))["exp"]

    verifier(client).clock = lambda: expires + 30.0  # within the 60 s leeway
    assert pay(client, customer, id_token).status_code == 201
    verifier(client).clock = lambda: expires + 61.0
    assert_refused(pay(client, customer, id_token), "expired")
    verifier(client).clock = lambda: time.time() + 2 * 3600.0
    assert_refused(pay(client, customer, id_token), "expired")


def test_valid_token_without_an_o2c_role_is_403(
    provider: Provider, make_client: MakeClient
) -> None:
    client = make_client(provider.url)
    customer = open_customer(client)
    access_token, id_token = provider.login("bob")

    for token in (access_token, id_token):
        answer = pay(client, customer, token)
        assert answer.status_code == 403, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert "WWW-Authenticate" not in answer.headers
        assert answer.json()["detail"].startswith("bob (Bob) may not")
        # bob holds no role at all, not even a reader's
        assert client.get(f"/v1/customers/{customer}", headers=bearer(token)).status_code == 403
    assert {e["o2cactor"] for e in history(client, customer)} == {"Ann Admin"}


def test_rotated_signing_key(make_client: MakeClient) -> None:
    with Provider() as rotating:
        client = make_client(rotating.url)
        customer = open_customer(client)
        _access_token, old = rotating.login("alice")
        assert pay(client, customer, old).status_code == 201

        rotating.restart()  # same port, new signing key
        verifier(client).refetch_after = 0
        _access_token, fresh = rotating.login("alice")
        answer = pay(client, customer, fresh)
        assert answer.status_code == 201, answer.text
        assert_refused(pay(client, customer, old))
        assert pay(client, customer, fresh).status_code == 201
