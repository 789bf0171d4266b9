"""While a statement file is being read, the server goes on answering other clients.

Run over a real server (uvicorn): the file's reader is held at its start until ``/healthz``
has answered another client, so the test passes only if that answer comes while the reading is
under way, whatever the machine's speed. Read on the event loop, the server could not answer.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

import o2c.api.routes.bank as bank_routes
from o2c.api.app import create_app
from o2c.bootstrap import build_container
from o2c.config import Settings
from o2c_devtools.ports import free_port
from o2c_devtools.synthetic_bank.generator import generate_statements
from o2c_devtools.synthetic_bank.invoices import synthetic_open_invoices
from o2c_devtools.synthetic_bank.writers import write_camt053
from tests.api.conftest import TOKENS, auth

# Bounds on waiting for something that should happen at once; reached only when the test fails.
PATIENCE = 30.0


@pytest.fixture
def port(tmp_path: Path) -> Iterator[int]:
    """The port of a uvicorn server running the app over fresh SQLite stores, in a thread."""
    settings = Settings(
        event_store_url=f"sqlite:///{tmp_path / 'e.db'}",
        read_store_url=f"sqlite:///{tmp_path / 'r.db'}",
        api_tokens=dict(TOKENS),
    )
    container = build_container(settings)
    chosen = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(container), host="127.0.0.1", port=chosen, log_level="critical")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + PATIENCE
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield chosen
    finally:
        server.should_exit = True
        thread.join(timeout=PATIENCE)
        container.close()


def test_healthz_answers_while_a_statement_is_being_read(
    port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    invoices = synthetic_open_invoices(seed=11, count=300, customers=20)
    statement = generate_statements(invoices, seed=3, count=200, reimport=False).files[0]
    data = write_camt053(statement.statement)
    reading, answered = threading.Event(), threading.Event()
    read = bank_routes.read_statements

    def held_reader(data: bytes, file_format: str | None = None) -> Any:
        reading.set()
        answered.wait(PATIENCE)
        return read(data, file_format)

    monkeypatch.setattr(bank_routes, "read_statements", held_reader)
    upload: dict[str, Any] = {}

    def send_file() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2 * PATIENCE)
        headers = {**auth("clerk"), "Content-Type": "application/xml"}
        conn.request("POST", "/v1/bank-statements", body=data, headers=headers)
        response = conn.getresponse()
        upload["status"], upload["body"] = response.status, response.read()

    sender = threading.Thread(target=send_file)
    sender.start()
    try:
        assert reading.wait(PATIENCE), "the file was never read"
        other = http.client.HTTPConnection("127.0.0.1", port, timeout=PATIENCE)
        other.request("GET", "/healthz")
        health = other.getresponse()
        assert health.status == 200
        assert not upload, "the import finished before /healthz answered"
    finally:
        answered.set()
        sender.join(2 * PATIENCE)
    assert upload["status"] == 201, upload["body"]
