"""An API over fresh stores with a book of customers (with IBANs) and open invoices, and a
generated statement paying them, with the generator's truth."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from o2c.api.app import create_app
from o2c.bootstrap import Container, build_container
from o2c.config import Settings
from o2c_devtools.bench.bank import Book, build_book, statement_file
from o2c_devtools.synthetic_bank.generator import SyntheticFile
from tests.api.conftest import TOKENS


@dataclass
class Bank:
    """The API, its container, the book and one generated statement."""

    client: TestClient
    container: Container
    book: Book
    file: SyntheticFile

    def position(self) -> int:
        return self.container.store.last_position()

    def get(self, path: str, **kwargs: Any) -> Any:
        """GET that waits until the read models hold everything stored so far (a path that
        names its own ``min_position`` keeps it; its query string stays as written)."""
        if "min_position=" not in path:
            path += f"{'&' if '?' in path else '?'}min_position={self.position()}"
        return self.client.get(path, **kwargs)


def open_bank(settings: Settings, *, invoices: int = 300, lines: int = 120) -> Iterator[Bank]:
    container = build_container(settings)
    try:
        book = build_book(container.service, seed=3, invoices=invoices, customers=30)
        file = statement_file(book, seed=5, lines=lines)
        with TestClient(create_app(container), raise_server_exceptions=False) as client:
            yield Bank(client, container, book, file)
    finally:
        container.close()


def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(
        event_store_url=f"sqlite:///{tmp_path / 'e.db'}",
        read_store_url=f"sqlite:///{tmp_path / 'r.db'}",
        api_tokens=dict(TOKENS),
    )


@pytest.fixture
def bank(tmp_path: Path) -> Iterator[Bank]:
    """A book of 300 invoices over 30 customers and a 120-line statement, on SQLite."""
    yield from open_bank(sqlite_settings(tmp_path))
