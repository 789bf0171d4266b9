"""Shared fixtures: SQLite and throw-away PostgreSQL stores, and a Kafka-protocol broker."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.broker import TansuBroker
from tests.support.pg import temporary_database


@pytest.fixture
def pg_url() -> Iterator[str]:
    """URL of a fresh PostgreSQL database, dropped after the test."""
    with temporary_database() as url:
        yield url


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
