"""An API over fresh SQLite stores, with one token per role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from o2c.api.app import create_app
from o2c.bootstrap import build_container
from o2c.config import Settings

TOKENS = {"t-clerk": "clerk", "t-credit": "credit", "t-auditor": "auditor", "t-admin": "admin"}


def auth(role: str) -> dict[str, str]:
    """Authorization header for a role."""
    return {"Authorization": f"Bearer t-{role}"}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    """A TestClient over an embedded-mode container on SQLite."""
    settings = Settings(
        event_store_url=f"sqlite:///{tmp_path / 'e.db'}",
        read_store_url=f"sqlite:///{tmp_path / 'r.db'}",
        api_tokens=dict(TOKENS),
    )
    container = build_container(settings)
    try:
        with TestClient(create_app(container), raise_server_exceptions=False) as c:
            yield c
    finally:
        container.close()
