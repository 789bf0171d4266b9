"""Gap-free invoice numbers: one sequence aggregate saved atomically with each new invoice.

Because the number is taken in the same transaction as the invoice, a failed command leaves no
gap; a concurrent invoicing conflicts on this aggregate's version and is retried.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from o2c.events.catalog import topic

NUMBERING_ID = uuid5(UUID("8d6c9a8e-3c1f-4a55-9a53-0f1d6f0c2a11"), "invoice-numbering")


class InvoiceNumbering(Aggregate):
    """The invoice number sequence; its state is just the last number taken."""

    TOPIC = "o2c.InvoiceNumbering"

    class Event(Aggregate.Event):
        TOPIC = "o2c.InvoiceNumbering.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "o2c.InvoiceNumbering.Created"

    @classmethod
    def start(cls) -> InvoiceNumbering:
        """Create the sequence (first use only)."""
        return cls._create(
            cls.NumberingStarted,  # type: ignore[attr-defined]  # defined by @event
            id=NUMBERING_ID,
        )

    @event("NumberingStarted", topic=topic("NumberingStarted"))
    def __init__(self) -> None:
        self.last_number = 0

    def take(self, invoice_id: UUID) -> int:
        """Take the next number for ``invoice_id``."""
        self._assigned(self.last_number + 1, invoice_id)
        return self.last_number

    @event("InvoiceNumberAssigned", topic=topic("InvoiceNumberAssigned"))
    def _assigned(self, number: int, invoice_id: UUID) -> None:
        self.last_number = number
