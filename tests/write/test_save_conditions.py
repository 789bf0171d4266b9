"""Both recorders store a save only while its conditions hold, checked inside its transaction:
streams it relies on still at the versions its command read, the log still ending where the
command read it. Otherwise nothing of it is stored (``StaleSave``)."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from o2c.application.context import SaveConditions
from o2c.eventstore.save_conditions import StaleSave, all_of
from o2c.eventstore.store import EventStore
from tests.support.world import opened_store


@pytest.fixture
def store(store_url: str) -> Iterator[EventStore]:
    with opened_store(store_url) as opened:
        yield opened


def insert(store: EventStore, conditions: SaveConditions, *versions: tuple[UUID, int]) -> None:
    events = [StoredEvent(stream, v, "t", b"{}") for stream, v in versions]
    store.app.recorder.insert_events(events, conditions=conditions)


def test_a_save_is_stored_only_while_what_it_relied_on_is_unchanged(store: EventStore) -> None:
    lock, other = uuid4(), uuid4()
    insert(store, SaveConditions(), (lock, 1), (lock, 2))
    insert(store, SaveConditions(unchanged=((lock, 2), (other, 0))), (uuid4(), 1))
    stored = store.last_position()
    for stale in [((lock, 1),), ((lock, 2), (other, 1)), ((other, 0), (lock, 3))]:
        with pytest.raises(StaleSave):
            insert(store, SaveConditions(unchanged=stale), (uuid4(), 1), (uuid4(), 1))
    assert store.last_position() == stored  # nothing of a refused save was stored


def test_a_save_is_stored_only_while_the_log_ends_where_its_command_read_it(
    store: EventStore,
) -> None:
    insert(store, SaveConditions(log_position=0), (uuid4(), 1))
    read = store.last_position()
    insert(store, SaveConditions(), (uuid4(), 1))
    with pytest.raises(StaleSave):
        insert(store, SaveConditions(log_position=read), (uuid4(), 1))
    insert(store, SaveConditions(log_position=read + 1), (uuid4(), 1))
    assert store.last_position() == read + 2


def test_the_saves_of_one_transaction_are_refused_together_if_one_relied_on_a_moved_stream(
    store: EventStore,
) -> None:
    lock = uuid4()
    insert(store, SaveConditions(), (lock, 1), (lock, 2))
    stored = store.last_position()
    fresh, stale = SaveConditions(unchanged=((lock, 2),)), SaveConditions(unchanged=((lock, 1),))
    with pytest.raises(StaleSave):
        insert(store, all_of([SaveConditions(log_position=stored), fresh, stale]), (uuid4(), 1))
    assert store.last_position() == stored
    insert(store, all_of([SaveConditions(log_position=stored), fresh]), (uuid4(), 1))
