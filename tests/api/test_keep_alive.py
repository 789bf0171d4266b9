"""A 500 or 503 answer leaves the client's keep-alive connection open for its next request.

Run over a real server (uvicorn) and one persistent HTTP/1.1 connection: the test client of
Starlette would not notice a server closing the connection after an error.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy.exc import OperationalError

from o2c.api.app import create_app
from o2c.bootstrap import Container, build_container
from o2c.config import Settings
from tests.api.conftest import TOKENS, auth
from tests.support.ports import free_port


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Container, int]]:
    """A container and the port of a uvicorn server running its app in a thread."""
    settings = Settings(
        event_store_url=f"sqlite:///{tmp_path / 'e.db'}",
        read_store_url=f"sqlite:///{tmp_path / 'r.db'}",
        api_tokens=dict(TOKENS),
    )
    container = build_container(settings)
    app: FastAPI = create_app(container)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield container, port
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        container.close()


def post(
    conn: http.client.HTTPConnection, path: str, body: object
) -> tuple[http.client.HTTPResponse, bytes]:
    headers = {**auth("admin"), "Content-Type": "application/json"}
    conn.request("POST", path, body=json.dumps(body), headers=headers)
    response = conn.getresponse()
    return response, response.read()


@pytest.mark.parametrize(
    ("failure", "status", "code"),
    [
        (RuntimeError("a bug"), 500, "internal-error"),
        (OperationalError("SELECT 1", {}, Exception("server closed")), 503, "backend-unavailable"),
    ],
    ids=["500", "503"],
)
def test_error_responses_keep_the_connection(
    served: tuple[Container, int],
    monkeypatch: pytest.MonkeyPatch,
    failure: Exception,
    status: int,
    code: str,
) -> None:
    container, port = served
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        body = {"name": "Acme", "currency": "EUR", "credit_limit": "100"}
        assert post(conn, "/v1/customers", body)[0].status == 201
        sock = conn.sock

        def fail(*_: object, **__: object) -> None:
            raise failure

        monkeypatch.setattr(container.service, "handle", fail)
        response, raw = post(conn, "/v1/customers", body)
        problem = json.loads(raw)
        assert response.status == status
        assert response.getheader("content-type", "").startswith("application/problem+json")
        assert problem["type"] == f"https://o2c.dev/problems/{code}"
        assert (response.getheader("connection") or "").lower() != "close"
        monkeypatch.undo()
        # the next request travels on the same connection and is answered
        assert post(conn, "/v1/customers", body)[0].status == 201
        assert conn.sock is sock
    finally:
        conn.close()
