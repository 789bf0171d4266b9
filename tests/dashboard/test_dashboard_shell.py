"""The dashboard's page and assets: public, no inline script, strict CSP, no CDN; its script's
commands are the API's own."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from o2c.api.app import create_app
from o2c.bootstrap import build_container
from o2c.config import Settings
from o2c.dashboard import ASSETS


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        event_store_url=f"sqlite:///{tmp_path / 'e.db'}",
        read_store_url=f"sqlite:///{tmp_path / 'r.db'}",
        api_tokens={"t-admin": "admin"},
    )
    container = build_container(settings)
    try:
        with TestClient(create_app(container)) as c:
            yield c
    finally:
        container.close()


def _csp(value: str) -> dict[str, str]:
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in value.split("; ")}


@pytest.mark.parametrize(
    "path", ["/dashboard", "/dashboard/customers/0b7d5c1e-8f0a-4c3e-9a55-3a1f0f6e2b11"]
)
def test_the_page_is_public_holds_no_data_and_has_a_strict_csp(
    client: TestClient, path: str
) -> None:
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    csp = _csp(answer.headers["Content-Security-Policy"])
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'"
    assert csp["form-action"] == "'none'" and csp["frame-ancestors"] == "'none'"
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["Cache-Control"] == "no-store"
    html = answer.text
    # every script is a file; no inline handler or style; nothing from another host
    assert re.findall(r"<script\b[^>]*>", html) == [
        '<script src="/dashboard/assets/dashboard.js" defer>'
    ]
    assert not re.search(r"\son[a-z]+=|\sstyle=|<style", html)
    assert "http://" not in html and "https://" not in html


def test_assets_are_served_with_their_types_and_nothing_else_is(client: TestClient) -> None:
    for name, media_type in ASSETS.items():
        answer = client.get(f"/dashboard/assets/{name}")
        assert answer.status_code == 200, name
        assert answer.headers["content-type"] == media_type
        assert "Content-Security-Policy" in answer.headers
        # no CDN, no other origin; the SVG namespace is a name, not a request
        text = answer.text.replace("http://www.w3.org/2000/svg", "")
        assert "http://" not in text and "https://" not in text, name
    assert client.get("/dashboard/assets/dashboard.html").status_code == 404
    assert client.get("/dashboard/assets/..%2f__init__.py").status_code == 404
    assert client.get("/dashboard/customers/not-a-uuid").status_code == 422


def test_the_script_acts_only_through_the_apis_own_commands(client: TestClient) -> None:
    """One fetch, whose commands are routes of this API, each offered by its role check."""
    script = client.get("/dashboard/assets/dashboard.js").text
    assert "fetch(" in script and script.count("fetch(") == 1
    offered = set(re.findall(r'\[\s*"(POST|PUT|PATCH|DELETE)",\s*"(/v1/[^"]+)"\s*\]', script))
    assert len(offered) >= 8
    me = client.get("/v1/me", headers={"Authorization": "Bearer t-admin"}).json()
    commands = {(c["method"], c["path"]) for c in me["commands"]}
    assert offered <= commands, sorted(offered - commands)
    assert "localStorage" not in script and "sessionStorage" in script
    assert "eval(" not in script and "innerHTML" not in script


def test_head_answers_like_get(client: TestClient) -> None:
    for path in ("/dashboard", "/dashboard/assets/dashboard.js"):
        answer = client.head(path)
        assert answer.status_code == 200 and answer.content == b""
        assert "Content-Security-Policy" in answer.headers
