"""Fixtures: a book closed through January, through the service and through the HTTP API."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from o2c import commands as c
from o2c.api.app import create_app
from o2c.application.context import CommandContext
from o2c.bootstrap import Container, build_container
from o2c.config import Settings
from o2c.domain.dunning import DunningPolicy
from tests.api.conftest import TOKENS, auth
from tests.periods.book import LOCK, TODAY, Book, build_book
from tests.support.world import World, opened_store


@dataclass
class Closed:
    """A world whose books are closed through ``LOCK``, and the book in it."""

    world: World
    book: Book


def close(world: World, through: date = LOCK, reason: str = "January closed") -> dict[str, Any]:
    """Close the books on the world's service (clock on ``TODAY``)."""
    world.clock.today = TODAY
    return world.do(c.ClosePeriod(through=through, reason=reason))


def closed_world(url: str) -> Iterator[Closed]:
    """A fresh store with the book, closed through ``LOCK``."""
    with opened_store(url) as store:
        world = World(store, today=date(2026, 1, 1))
        # Interest at 8 % a year, so an interest invoice dated after the lock has something
        # to charge.
        world.service.dunning_policy = DunningPolicy((1, 15, 30), interest_rate=Decimal(8))
        book = build_book(world.do)
        # A promise whose deadline (3 February) has passed by the day after the lock: checking
        # promises then records it broken.
        world.do(c.MakePromise(invoice_id=book.invoice, promised_on=date(2026, 2, 1)))
        close(world)
        yield Closed(world, book)


@pytest.fixture
def fresh(sqlite_url: str) -> Iterator[Closed]:
    """A closed book of its own (for commands that succeed and change it)."""
    yield from closed_world(sqlite_url)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Closed]:
    """One closed book for every refusal of a module: a refused command changes nothing."""
    yield from closed_world(f"sqlite:///{tmp_path_factory.mktemp('closed') / 'e.db'}")


@dataclass
class Api:
    """The HTTP API in embedded mode over a book closed (over HTTP) through ``LOCK``."""

    client: TestClient
    container: Container
    book: Book
    close: dict[str, Any]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The book is written through the service as the API's (today is the real date); the
    close goes through ``POST /v1/periods/close`` as an admin."""
    base: Path = tmp_path_factory.mktemp("api")
    settings = Settings(
        event_store_url=f"sqlite:///{base / 'e.db'}",
        read_store_url=f"sqlite:///{base / 'r.db'}",
        api_tokens=dict(TOKENS),
    )
    container = build_container(settings)
    try:
        service = container.service
        book = build_book(lambda cmd: service.handle(cmd, CommandContext(actor="clerk")).body)
        with TestClient(create_app(container), raise_server_exceptions=False) as client:
            body = {"through": LOCK.isoformat(), "reason": "January closed"}
            response = client.post("/v1/periods/close", json=body, headers=auth("admin"))
            assert response.status_code == 200, response.text
            yield Api(client, container, book, response.json())
    finally:
        container.close()
