"""Histories for auditors: every event touching a customer, or one stream, as CloudEvents."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from typing_extensions import TypedDict

from o2c.events.envelope import EventEnvelope
from o2c.eventstore.publication import Publication
from o2c.eventstore.store import EventStore


def customer_events(
    store: EventStore,
    customer_id: UUID,
    *,
    after: int = 0,
    limit: int = 100,
    scan_batch: int = 2000,
) -> tuple[list[EventEnvelope], int | None]:
    """Events of the customer's account, orders and invoices after ``after``, in global order.

    Returns the page and the ``next`` cursor (the last position returned, or ``None`` at the end).
    Scans the log from ``after``; each event carries its customer in its metadata.
    """
    wanted = str(customer_id)
    found: list[EventEnvelope] = []
    cursor = after
    while len(found) < limit:
        page = store.read(cursor, scan_batch)
        if not page:
            return found, None
        for env in page:
            if env.customer_id == wanted and not env.internal:
                found.append(env)
                if len(found) == limit:
                    return found, env.position
        cursor = page[-1].position
    return found, cursor


def aggregate_events(
    store: EventStore, aggregate_id: UUID, *, after: int = 0, limit: int = 100
) -> tuple[list[EventEnvelope], int | None]:
    """One stream's events after version ``after``, with positions, and the ``next`` cursor
    (the last version returned, or ``None`` at the end)."""
    events = store.read_stream(aggregate_id, after_version=after, limit=limit + 1)
    if len(events) > limit:
        return events[:limit], events[limit - 1].version
    return events, None


class EventPage(TypedDict):
    """Events as CloudEvents (each as its own schema describes it) and the next cursor."""

    events: list[dict[str, Any]]
    next: int | None


def page(
    events: list[EventEnvelope], next_cursor: int | None, publication: Publication
) -> EventPage:
    """The ``{"events": [CloudEvent…], "next"}`` response shape: each event exactly as it was
    published (its stored facts and metadata; an older event completed with the resulting state
    its schema promises), so it validates against the schema it names."""
    return {"events": [publication.cloudevent(e) for e in events], "next": next_cursor}
