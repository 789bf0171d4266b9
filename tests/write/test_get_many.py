"""Loading many aggregates in two queries gives exactly what loading each one gives."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from o2c.aggregates.account import CustomerAccount
from o2c.eventstore.store import EventStore
from tests.read.test_replay_equivalence import random_book
from tests.support.world import World, opened_store


def _state(aggregate: Any) -> Any:
    if isinstance(aggregate, CustomerAccount):
        return aggregate.snapshot_state()
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


def _stream_ids(store: EventStore) -> list[UUID]:
    return sorted({UUID(e.aggregate_id) for e in store.read_all(0) if not e.internal})


def test_get_many_equals_get_warm_cold_and_from_snapshots(pg_url: str) -> None:
    with opened_store(pg_url) as store:
        store.app.snapshotting_intervals = {CustomerAccount: 5}  # accounts start from snapshots
        random_book(World(store), 11, steps=60)  # type: ignore[arg-type]
        ids = _stream_ids(store)
        warm = store.get_many([*ids, UUID(int=7)])  # an id without events is left out
        assert set(warm) == set(ids)
        for i in ids:
            assert _state(warm[i]) == _state(store.get(i)), i
            assert warm[i] is not store.get(i)  # a copy, never the cached object
    with opened_store(pg_url) as cold:
        cold.app.snapshotting_intervals = {CustomerAccount: 5}
        loaded = cold.get_many(ids)
        for i in ids:
            assert _state(loaded[i]) == _state(cold.get(i)), i
