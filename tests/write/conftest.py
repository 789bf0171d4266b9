"""Fixtures for write-side tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.world import World, opened_store


@pytest.fixture
def world(sqlite_url: str) -> Iterator[World]:
    """A world on a fresh SQLite store."""
    with opened_store(sqlite_url) as store:
        yield World(store)


@pytest.fixture
def any_world(store_url: str) -> Iterator[World]:
    """A world on SQLite and, in a second run, on PostgreSQL."""
    with opened_store(store_url) as store:
        yield World(store)
