"""The dashboard's OpenID Connect login (code flow + PKCE) against a real provider.

The browser's part is played by the test client: follow the redirect to the provider, sign in
there as alice (the provider's own form), bring the code back to ``/dashboard/callback``. The
token the page receives must be one the API accepts as alice.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from o2c.api.app import create_app
from o2c.api.routes.dashboard import LOGIN_COOKIE
from o2c.bootstrap import build_container
from o2c.config import Settings
from tests.identity.provider import CLIENT_ID, Provider


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with Provider() as running:
        yield running


def _client(tmp_path: Path, issuer: str | None) -> TestClient:
    settings = Settings(
        event_store_url=f"sqlite:///{tmp_path / 'e.db'}",
        read_store_url=f"sqlite:///{tmp_path / 'r.db'}",
        api_tokens={"k-admin": "admin"},
        oidc_issuer=issuer,
        oidc_audience=CLIENT_ID if issuer else None,
        oidc_client_secret="dashboard-secret" if issuer else None,
    )
    return TestClient(create_app(build_container(settings)), follow_redirects=False)


@pytest.fixture
def client(tmp_path: Path, provider: Provider) -> Iterator[TestClient]:
    with _client(tmp_path, provider.url) as c:
        yield c
    c.app.state.container.close()  # type: ignore[attr-defined]


def _sign_in_at_provider(location: str, sub: str) -> str:
    """What the person does at the provider: pick ``sub`` on its form; the redirect back."""
    answer = httpx.post(location, data={"sub": sub}, timeout=10.0)
    assert answer.status_code in (302, 303), answer.text
    return answer.headers["location"]


def _fragment(answer: httpx.Response) -> dict[str, str]:
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert location.startswith("/dashboard#"), location
    assert answer.headers["cache-control"] == "no-store"
    key, _, value = location.split("#", 1)[1].partition("=")
    return {key: unquote(value)}


def test_login_runs_the_code_flow_with_pkce_and_hands_the_page_alices_token(
    client: TestClient, provider: Provider
) -> None:
    page = client.get("/dashboard")
    assert '<p id="oidc">' in page.text  # the sign-in offers the login

    start = client.get("/dashboard/login")
    assert start.status_code == 303
    location = start.headers["location"]
    assert location.startswith(f"{provider.url}/oauth2/authorize?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert query["client_id"] == CLIENT_ID and query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256"
    assert query["redirect_uri"] == "http://testserver/dashboard/callback"
    cookie = start.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/dashboard" in cookie
    state, verifier = client.cookies[LOGIN_COOKIE].split(".")
    assert state == query["state"]
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    assert digest.rstrip(b"=").decode() == query["code_challenge"]

    back = urlsplit(_sign_in_at_provider(location, "alice"))
    answer = client.get(f"{back.path}?{back.query}")
    token = _fragment(answer)["token"]
    assert LOGIN_COOKIE in answer.headers["set-cookie"]  # the one-time cookie is cleared

    me = client.get("/v1/customers", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    # the same code cannot be brought back twice
    client.cookies.set(LOGIN_COOKIE, f"{state}.{verifier}", path="/dashboard")
    again = client.get(f"{back.path}?{back.query}")
    assert "login-error" in _fragment(again)


def test_a_callback_this_browser_did_not_start_logs_nobody_in(
    client: TestClient, provider: Provider
) -> None:
    location = client.get("/dashboard/login").headers["location"]
    back = urlsplit(_sign_in_at_provider(location, "alice"))
    code = parse_qs(back.query)["code"][0]
    state = client.cookies[LOGIN_COOKIE].split(".")[0]

    forged = client.get(f"/dashboard/callback?code={code}&state=someone-elses")
    assert "expired or was not started here" in _fragment(forged)["login-error"]
    client.cookies.clear()
    no_cookie = client.get(f"/dashboard/callback?code={code}&state={state}")
    assert "login-error" in _fragment(no_cookie)


def test_a_refusal_at_the_provider_comes_back_as_a_message(client: TestClient) -> None:
    location = client.get("/dashboard/login").headers["location"]
    denied = httpx.post(location, data={"action": "deny"}, timeout=10.0)
    back = urlsplit(denied.headers["location"])
    assert "error=access_denied" in back.query
    refused = client.get(f"{back.path}?{back.query}")
    assert "access_denied" in _fragment(refused)["login-error"]


def test_without_an_issuer_there_is_no_login(tmp_path: Path) -> None:
    with _client(tmp_path, None) as plain:
        assert '<p id="oidc" hidden>' in plain.get("/dashboard").text
        for path in ("/dashboard/login", "/dashboard/callback?code=x&state=y"):
            answer = plain.get(path)
            assert answer.status_code == 404
            assert answer.headers["content-type"] == "application/problem+json"
    plain.app.state.container.close()  # type: ignore[attr-defined]
