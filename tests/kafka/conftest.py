"""Kafka-mode fixtures: PostgreSQL stores, the tansu broker, relay and projector helpers."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from o2c.eventstore.store import EventStore
from o2c.follow.rebuild import rebuild
from o2c.kafka.projector import Projector
from o2c.kafka.relay import Relay
from o2c.kafka.relay_position import RelayPosition
from o2c.projections.engine import ProjectionEngine
from o2c.projections.readstore import ReadStore
from tests.read.test_replay_equivalence import snapshot
from tests.support.broker import TansuBroker
from tests.support.pg import temporary_database
from tests.support.world import World, opened_store


@dataclass
class Pipeline:
    """Event store, read store and broker of one Kafka-mode test."""

    url: str
    store: EventStore
    read_store: ReadStore
    broker: TansuBroker
    world: World

    def relay(self) -> Relay:
        return Relay(
            self.store,
            self.broker.bootstrap,
            RelayPosition(self.url),
            partitions=3,
            batch=50,
            ack_timeout=3.0,
        )

    def projector(self, group: str = "o2c-test") -> Projector:
        p = Projector(ProjectionEngine(self.read_store), self.broker.bootstrap, group)
        p.start()
        return p

    def rebuilt_snapshot(self) -> dict[str, Any]:
        """Read models rebuilt from the event log into a fresh database."""
        with temporary_database() as other:
            rs = ReadStore(other)
            try:
                rs.migrate()
                rebuild(self.store, rs)
                return snapshot(_Holder(rs))  # type: ignore[arg-type]
            finally:
                rs.close()

    def live_snapshot(self) -> dict[str, Any]:
        return snapshot(_Holder(self.read_store))  # type: ignore[arg-type]


@contextmanager
def running(projector: Projector) -> Iterator[Projector]:
    """Run a projector's poll loop in a thread (as ``o2c project`` does) for the block."""
    stop = threading.Event()
    thread = threading.Thread(target=projector.run, args=(stop,), daemon=True)
    thread.start()
    try:
        yield projector
    finally:
        stop.set()
        thread.join(timeout=30)


@dataclass
class _Holder:
    read_store: ReadStore


@pytest.fixture
def pipeline(pg_url: str, kafka_broker: TansuBroker) -> Iterator[Pipeline]:
    with opened_store(pg_url) as store:
        read_store = ReadStore(pg_url)
        read_store.migrate()
        try:
            yield Pipeline(pg_url, store, read_store, kafka_broker, World(store))
        finally:
            read_store.close()
