"""Dead-letter queue tools: list what is parked and why; re-apply it after a fix."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from o2c.events.catalog import DLQ_TOPIC
from o2c.events.envelope import EventEnvelope
from o2c.eventstore.store import EventStore
from o2c.follow.parking import parked_events
from o2c.kafka.checkpoints import KafkaCheckpoint
from o2c.kafka.topics import read_topic
from o2c.projections.engine import ProjectionEngine
from o2c.projections.parking import parked, unpark

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Parked:
    """One message in the DLQ."""

    partition: int
    offset: int
    customer: str
    group: str
    error: str
    value: bytes

    def as_dict(self) -> dict[str, Any]:
        """Printable form."""
        try:
            event = json.loads(self.value)
            what = f"{event.get('type')} position {event.get('o2cposition')}"
        except ValueError:
            what = "undecodable message"
        return {
            "dlq_offset": f"{self.partition}@{self.offset}",
            "customer": self.customer,
            "group": self.group,
            "event": what,
            "error": self.error,
        }


def read_dlq(bootstrap: str) -> list[Parked]:
    """Everything in the DLQ topic, partition by partition in offset order."""
    out: list[Parked] = []
    for r in read_topic(bootstrap, DLQ_TOPIC):
        h = {k: v.decode(errors="replace") for k, v in (r.headers or [])}
        out.append(
            Parked(
                r.partition,
                r.offset,
                (r.key or b"").decode(),
                h.get("o2c_group", ""),
                h.get("o2c_error", ""),
                r.value,
            )
        )
    return out


def parked_in_db(engine: ProjectionEngine, group: str) -> dict[str, str]:
    """Customers parked for a group, with the first error."""
    return {customer: park.reason for customer, park in parked(engine, group).items()}


def replay(
    engine: ProjectionEngine, bootstrap: str, group: str, store: EventStore | None = None
) -> dict[str, int]:
    """Re-apply each parked customer's DLQ messages in order, then unpark it.

    With ``store``, the customer's events in the event log from the one it was parked at are
    applied too: a rebuild parks a customer under the group without sending its events to the
    DLQ. Re-applying is safe: the engine skips aggregate versions it already has. A customer whose
    messages still fail stays parked.
    """
    parks = parked(engine, group)
    by_customer: dict[str, list[Parked]] = {}
    for p in read_dlq(bootstrap):
        if p.group == group and p.customer in parks:
            by_customer.setdefault(p.customer, []).append(p)
    result: dict[str, int] = {}
    for customer, park in parks.items():
        messages = by_customer.get(customer, [])
        try:
            envelopes = []
            for m in messages:
                try:
                    envelopes.append(EventEnvelope.from_cloudevent(json.loads(m.value)))
                except (ValueError, KeyError, TypeError):
                    # Not an o2c event at all (nothing to apply): said loudly, left in the DLQ.
                    log.warning(
                        "DLQ %d@%d of %s is not an o2c event; not applied",
                        m.partition,
                        m.offset,
                        customer,
                    )
            if store is not None:
                envelopes += parked_events(store, customer, park.first_position - 1)
            envelopes = sorted(
                {e.position: e for e in envelopes}.values(), key=lambda e: e.position
            )
            applied = engine.apply(envelopes, checkpoint=KafkaCheckpoint(group, {}))
        except Exception as exc:  # stays parked; reported
            log.error("customer %s still fails: %s", customer, exc)
            result[customer] = -1
            continue
        unpark(engine, group, customer)
        result[customer] = applied
    return result
