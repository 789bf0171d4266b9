"""Fixtures for read-side tests: a world plus read models over the same log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from o2c.follow.embedded import EmbeddedRunner
from o2c.projections.engine import ProjectionEngine
from o2c.projections.queries import ReadQueries
from o2c.projections.readstore import ReadStore
from tests.support.pg import temporary_database
from tests.support.world import World, opened_store


class ReadWorld(World):
    """A world whose read models can be brought up to date on demand."""

    def __init__(self, world: World, read_store: ReadStore) -> None:
        super().__init__(world.store, world.clock.today)
        self.read_store = read_store
        self.engine = ProjectionEngine(read_store)
        self.runner = EmbeddedRunner(world.store, self.engine, batch=7)
        self.q = ReadQueries(read_store)

    def project(self) -> ReadQueries:
        """Catch the read models up and return the queries."""
        self.runner.catch_up()
        return self.q


@pytest.fixture(params=["sqlite", "postgres"])
def rw(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ReadWorld]:
    """A read world on SQLite and, in a second run, on PostgreSQL."""
    if request.param == "sqlite":
        urls = (f"sqlite:///{tmp_path / 'e.db'}", f"sqlite:///{tmp_path / 'r.db'}")
        yield from _world(*urls)
    else:
        with temporary_database() as url:
            yield from _world(url, url)


@pytest.fixture
def rw_sqlite(tmp_path: Path) -> Iterator[ReadWorld]:
    """A read world on SQLite only."""
    yield from _world(f"sqlite:///{tmp_path / 'e.db'}", f"sqlite:///{tmp_path / 'r.db'}")


def _world(event_url: str, read_url: str) -> Iterator[ReadWorld]:
    with opened_store(event_url) as store:
        read_store = ReadStore(read_url)
        read_store.migrate()
        try:
            yield ReadWorld(World(store), read_store)
        finally:
            read_store.close()
