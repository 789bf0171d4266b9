"""Shared fixtures (SQLite and throw-away PostgreSQL stores, a Kafka-protocol broker) and the
tiers: each test is marked with the services its fixtures need (tests/support/needs.py).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.support import needs
from tests.support.broker import TansuBroker
from tests.support.pg import temporary_database


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        needs.mark(item)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    """Services started while ``item`` runs (fixtures included) are checked against its marks."""
    needs.running(item)
    try:
        return (yield)
    finally:
        needs.running(None)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """URL of a fresh PostgreSQL database, dropped after the test."""
    with temporary_database() as url:
        yield url


@pytest.fixture
def pg_databases() -> Iterator[Callable[[], str]]:
    """Makes as many fresh PostgreSQL databases as the test asks for; all dropped after it."""
    with ExitStack() as stack:
        yield lambda: stack.enter_context(temporary_database())


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """URL of a fresh SQLite event-store file."""
    return f"sqlite:///{tmp_path / 'events.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each test using this runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'events.db'}"
    else:
        with temporary_database() as url:
            yield url


@pytest.fixture
def kafka_broker() -> Iterator[TansuBroker]:
    """A running tansu broker on a free port; killed after the test."""
    broker = TansuBroker()
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
