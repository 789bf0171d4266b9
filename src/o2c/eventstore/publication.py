"""What leaves the service for one stored event: the CloudEvent downstream services read.

Every invoice event promises the invoice's resulting ``open_amount`` and ``status``, every payment
event the payment's resulting ``unapplied`` cash. Events recorded since they carry them publish
as stored. An event recorded before (its upcast reads ``None``) is completed here from its
aggregate as of that event's version: the log is the only place that knows, and a downstream
reader must not have to tell old messages from new ones. Both the Kafka relay and the webhook
delivery publish through this one class, so the two transports never differ.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.invoice import Invoice
from o2c.events.envelope import DEFAULT_PUBLIC_URL, EventEnvelope
from o2c.eventstore.store import EventStore

_INVOICE_STATE = ("open_amount", "status")
A = TypeVar("A", bound=Aggregate)


class Publication:
    """Turns stored events into the public CloudEvents, completing older events' state."""

    def __init__(
        self, store: EventStore, public_url: str = DEFAULT_PUBLIC_URL, *, keep: int = 64
    ) -> None:
        self.store = store
        self.public_url = public_url.rstrip("/")
        # Publication reads the log in order, so an aggregate loaded for one old event usually
        # serves the next one too: keep a few, and move them forward instead of reloading.
        self._loaded: OrderedDict[UUID, Aggregate] = OrderedDict()
        self._keep = keep
        self.completed = 0  # older events completed from their aggregate (for tests and logs)

    def cloudevent(self, envelope: EventEnvelope) -> dict[str, Any]:
        """The CloudEvent of one stored event, as every transport publishes it."""
        return self.complete(envelope).to_cloudevent(self.public_url)

    def complete(self, envelope: EventEnvelope) -> EventEnvelope:
        """The envelope with the resulting state its type promises filled in."""
        data = envelope.data
        if envelope.aggregate_type == "Invoice" and any(
            k in data and data[k] is None for k in _INVOICE_STATE
        ):
            invoice = self._at(envelope, Invoice)
            fill: dict[str, Any] = {"open_amount": str(invoice.open_amount)}
            fill["status"] = invoice.status
        elif "unapplied" in data and data["unapplied"] is None:
            account = self._at(envelope, CustomerAccount)
            fill = {"unapplied": str(account.cash_of(UUID(data["payment_id"])).unapplied)}
        else:
            return envelope
        self.completed += 1
        return replace(envelope, data={**data, **fill})

    def _at(self, envelope: EventEnvelope, kind: type[A]) -> A:
        """The aggregate as it was right after ``envelope``'s event."""
        aggregate_id, version = UUID(envelope.aggregate_id), envelope.version
        found: Any = self._loaded.pop(aggregate_id, None)
        if found is None or found.version > version:
            found = self.store.app.repository.get(aggregate_id, version=version)
        else:
            for event in self.store.app.events.get(aggregate_id, gt=found.version, lte=version):
                assert isinstance(event, Aggregate.Event)
                found = event.mutate(found)
        self._loaded[aggregate_id] = found
        while len(self._loaded) > self._keep:
            self._loaded.popitem(last=False)
        assert isinstance(found, kind)
        return found
