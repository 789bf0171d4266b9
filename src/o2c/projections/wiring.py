"""Builds the read side for the composition root: store, engine, queries and embedded runner."""

from __future__ import annotations

import time
from dataclasses import dataclass

from o2c.application.service import O2CService
from o2c.config import Settings
from o2c.eventstore.store import EventStore
from o2c.projections.engine import ProjectionEngine
from o2c.projections.queries import ReadQueries
from o2c.projections.readstore import ReadStore
from o2c.projections.runner import EmbeddedRunner


@dataclass
class ReadSideParts:
    """The read side of one process."""

    read_store: ReadStore
    engine: ProjectionEngine
    queries: ReadQueries
    runner: EmbeddedRunner | None
    kafka_group: str | None = None

    def wait_for(self, position: int, timeout: float) -> bool:
        """Bounded wait until the read models reached ``position``."""
        if self.runner is not None:
            return self.runner.wait_for(position, timeout)
        deadline = time.monotonic() + timeout
        name = f"kafka:{self.kafka_group}" if self.kafka_group else "embedded"
        while self.engine.position(name) < position:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def close(self) -> None:
        """Stop the runner and release the read store."""
        if self.runner is not None:
            self.runner.stop()
        self.read_store.close()


ReadSide = ReadSideParts  # the name the read-side interface documents


def build_read_side(
    settings: Settings, store: EventStore, service: O2CService, *, start_runner: bool = True
) -> ReadSideParts:
    """Migrate the read store; in embedded mode follow the event log in-process."""
    read_store = ReadStore(settings.read_store_url)
    read_store.migrate()
    engine = ProjectionEngine(read_store)
    queries = ReadQueries(read_store)
    runner: EmbeddedRunner | None = None
    if settings.embedded:
        runner = EmbeddedRunner(store, engine)
        service.listeners.append(runner.notify)
        if start_runner:
            runner.start()
    service.dunning_candidates = queries.dunning_candidates
    group = None if settings.embedded else settings.kafka_group
    return ReadSideParts(read_store, engine, queries, runner, group)
