"""What leaves the service: events recorded before they carried their resulting state are
published with it, computed from their aggregate as of that event; newer events go out as stored.
"""

from __future__ import annotations

from dataclasses import replace

from o2c.events.envelope import EventEnvelope
from o2c.eventstore.publication import Publication
from o2c.eventstore.store import EventStore
from tests.read.test_replay_equivalence import random_book
from tests.support.scenario import every_event_type
from tests.support.world import World, opened_store


def _promised(env: EventEnvelope) -> list[str]:
    """The resulting-state fields this event's type promises downstream readers."""
    fields = ("open_amount", "status") if env.aggregate_type == "Invoice" else ("unapplied",)
    return [k for k in fields if k in env.data]


def _as_recorded_before(env: EventEnvelope) -> EventEnvelope:
    """The envelope an older stored form of the event upcasts to: the state unknown."""
    return replace(env, data={**env.data, **dict.fromkeys(_promised(env))})


def _book(store: EventStore) -> list[EventEnvelope]:
    world = World(store)
    every_event_type(world)
    random_book(world, 5, steps=40)  # type: ignore[arg-type]
    return [e for e in store.read(0, 100_000) if not e.internal and _promised(e)]


def test_older_events_are_completed_with_the_state_newer_ones_record(sqlite_url: str) -> None:
    with opened_store(sqlite_url) as store:
        recorded = _book(store)
        kinds = {e.event_type for e in recorded}
        assert {"PaymentApplied", "InvoicePaymentReversed", "PaymentAllocated"} <= kinds
        in_order = Publication(store, keep=4)  # small: aggregates leave and are loaded again
        for env in recorded:
            completed = in_order.complete(_as_recorded_before(env))
            assert {k: completed.data[k] for k in _promised(env)} == {
                k: env.data[k] for k in _promised(env)
            }, (env.event_type, env.aggregate_id, env.version)
        assert in_order.completed == len(recorded)
        # Out of order (a replay from an earlier position) loads the aggregate again.
        backwards = Publication(store)
        for env in reversed(recorded[-20:]):
            assert backwards.complete(_as_recorded_before(env)).data == env.data


def test_events_that_carry_their_state_go_out_as_stored(sqlite_url: str) -> None:
    with opened_store(sqlite_url) as store:
        recorded = _book(store)
        publication = Publication(store, "https://ar.example.com/")
        for env in recorded:
            event = publication.cloudevent(env)
            assert event["data"] == env.data
            assert event["dataschema"].startswith("https://ar.example.com/v1/schemas/o2c.")
        assert publication.completed == 0
