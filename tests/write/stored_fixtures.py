"""Stored-format fixtures: capture one stored event of every catalogued type from a real scenario.

The fixtures under tests/fixtures/stored_events/ are a contract with every event already stored:
tests/write/test_stored_format.py checks them and never writes them. Regenerate them only on
purpose (say, after adding a new event type, or after an upcaster made an old form readable) with

    .venv/bin/python -m tests.write.stored_fixtures

run from the repository root (naming event types writes only theirs), and commit the diff after
reading it. When a type's stored form changes (a new ``class_version`` with its upcaster), its
old fixture moves to ``legacy/<Name>.v<N>.json`` and stays there for good: every stored form
must keep loading. Its ``decoded`` part records what today's code reads from it (the upcast).
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Collection
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from o2c.events.catalog import CATALOG
from o2c.events.envelope import to_json_native
from o2c.eventstore.store import EventStore
from tests.support.scenario import every_event_type
from tests.support.world import World, opened_store

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "stored_events"
_IDENTITY = ("originator_id", "originator_version")


def first_of_each_type(store: EventStore) -> dict[str, StoredEvent]:
    """The first stored event of each topic in the store's log."""
    found: dict[str, StoredEvent] = {}
    for n in store.notifications(0, 100_000):
        found.setdefault(n.topic, n)
    return found


def decoded(store: EventStore, stored: StoredEvent) -> dict[str, Any]:
    """What today's code reads from a stored event: the domain event's fields and the envelope."""
    event = store.app.mapper.to_domain_event(stored)
    fields = {k: v for k, v in vars(event).items() if k not in _IDENTITY}
    envelope = store.envelope(stored, 0).as_dict()
    envelope.pop("position")
    return {
        "class": type(event).__qualname__,
        "fields": to_json_native(fields),
        "envelope": envelope,
    }


def as_fixture(store: EventStore, stored: StoredEvent) -> dict[str, Any]:
    """The JSON document committed for one event type."""
    return {
        "topic": stored.topic,
        "originator_id": str(stored.originator_id),
        "originator_version": stored.originator_version,
        "state": stored.state.decode(),
        "decoded": decoded(store, stored),
    }


def stored_from_fixture(fixture: dict[str, Any]) -> StoredEvent:
    """The stored event a fixture describes, byte for byte."""
    return StoredEvent(
        originator_id=UUID(fixture["originator_id"]),
        originator_version=fixture["originator_version"],
        topic=fixture["topic"],
        state=fixture["state"].encode(),
    )


def regenerate(target: Path = FIXTURES, only: Collection[str] = ()) -> list[Path]:
    """Run the scenario on a scratch SQLite store and write one fixture per catalogued event
    (or only those named: a new type, or the new version of a changed one)."""
    target.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp, opened_store(f"sqlite:///{tmp}/e.db") as store:
        every_event_type(World(store))
        found = first_of_each_type(store)
        for spec in CATALOG:
            if only and spec.name not in only:
                continue
            path = target / f"{spec.name}.json"
            path.write_text(
                json.dumps(as_fixture(store, found[spec.stored_topic]), indent=2) + "\n"
            )
            written.append(path)
    return written


if __name__ == "__main__":
    for p in regenerate(only=sys.argv[1:]):
        print(p)
