"""Read stored rows straight from the events table for the audit (no decoding, no repository)."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from o2c.audit.verify import Decoder, RawEvent
from o2c.events.envelope import EventEnvelope
from o2c.eventstore.store import EventStore


def raw_events(store: EventStore, batch: int = 5000) -> Iterator[RawEvent]:
    """Every stored event in position order, streamed in pages."""
    after = 0
    while True:
        page = store.notifications(after, batch)
        if not page:
            return
        for n in page:
            yield RawEvent(
                int(n.id), str(n.originator_id), int(n.originator_version), n.topic, bytes(n.state)
            )
        after = int(page[-1].id)


def decoder(store: EventStore) -> Decoder:
    """Reads a row back as loading its aggregate would (every value decoded into its type,
    upcast, catalog lookup, envelope): a body that does not read back is a break."""

    def decode(ev: RawEvent) -> EventEnvelope:
        stored = StoredEvent(
            originator_id=UUID(ev.aggregate_id),
            originator_version=ev.version,
            topic=ev.topic,
            state=ev.state,
        )
        return store.envelope(stored, ev.position, strict=True)

    return decode
