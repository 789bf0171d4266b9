"""Request bodies are capped: a JSON command at ``O2C_MAX_BODY_BYTES``, a statement file at
``O2C_MAX_STATEMENT_BYTES``; beyond, a 413 problem, whether the body announces its length or
comes in chunks, and nothing is recorded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from o2c.api.app import create_app
from o2c.bootstrap import Container, build_container
from o2c.config import Settings
from tests.api.conftest import TOKENS, auth

LIMIT = 4096
STATEMENT_LIMIT = 64 * 1024


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[tuple[TestClient, Container]]:
    """An API with small limits, set the way an operator sets them."""
    settings = Settings.from_env(
        {
            "O2C_EVENT_STORE_URL": f"sqlite:///{tmp_path / 'e.db'}",
            "O2C_READ_STORE_URL": f"sqlite:///{tmp_path / 'r.db'}",
            "O2C_API_TOKENS": ",".join(f"{k}:{v}" for k, v in TOKENS.items()),
            "O2C_MAX_BODY_BYTES": str(LIMIT),
            "O2C_MAX_STATEMENT_BYTES": str(STATEMENT_LIMIT),
        }
    )
    container = build_container(settings)
    try:
        with TestClient(create_app(container), raise_server_exceptions=False) as client:
            yield client, container
    finally:
        container.close()


def customer(name_length: int) -> bytes:
    return json.dumps(
        {"name": "n" * name_length, "currency": "EUR", "credit_limit": "1000.00"}
    ).encode()


def assert_too_large(r: httpx.Response, limit: int) -> None:
    assert r.status_code == 413, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert (r.json()["code"], r.json()["limit"]) == ("content-too-large", limit)


def test_the_default_limits() -> None:
    settings = Settings()
    assert settings.max_body_bytes == 1024 * 1024
    assert settings.max_statement_bytes == 50 * 1024 * 1024


def test_a_json_body_over_the_limit_is_413_and_records_nothing(
    limited: tuple[TestClient, Container],
) -> None:
    client, container = limited
    headers = {**auth("admin"), "Content-Type": "application/json"}
    before = container.store.last_position()

    r = client.post("/v1/customers", content=customer(LIMIT), headers=headers)

    assert_too_large(r, LIMIT)
    assert r.headers["X-Content-Type-Options"] == "nosniff"  # like any other answer
    assert container.store.last_position() == before
    ok = client.post("/v1/customers", content=customer(20), headers=headers)
    assert ok.status_code == 201, ok.text


def test_a_chunked_body_is_cut_off_at_the_limit(limited: tuple[TestClient, Container]) -> None:
    client, container = limited
    body = customer(3 * LIMIT)
    before = container.store.last_position()

    def chunks() -> Iterator[bytes]:
        for at in range(0, len(body), 1000):
            yield body[at : at + 1000]

    r = client.post(
        "/v1/customers",
        content=chunks(),
        headers={**auth("admin"), "Content-Type": "application/json"},
    )

    assert "content-length" not in {k.lower() for k in r.request.headers}
    assert_too_large(r, LIMIT)
    assert container.store.last_position() == before


def test_a_statement_file_has_its_own_larger_limit(limited: tuple[TestClient, Container]) -> None:
    client, _ = limited
    headers = {**auth("clerk"), "Content-Type": "application/octet-stream"}
    # Over the general limit, under the statement limit: read (and refused as no statement).
    r = client.post("/v1/bank-statements", content=b"x" * (2 * LIMIT), headers=headers)
    assert r.status_code == 422 and r.json()["code"] == "malformed-statement", r.text

    r = client.post("/v1/bank-statements", content=b"x" * (STATEMENT_LIMIT + 1), headers=headers)

    assert_too_large(r, STATEMENT_LIMIT)
