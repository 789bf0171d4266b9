"""Gap-free document numbers (invoices, credit notes): one sequence aggregate per kind of
document, saved atomically with each new document.

Because the number is taken in the same transaction as the invoice, a failed command leaves no
gap; a concurrent invoicing conflicts on this aggregate's version and is retried.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from o2c.events.catalog import topic

_NAMESPACE = UUID("8d6c9a8e-3c1f-4a55-9a53-0f1d6f0c2a11")
NUMBERING_ID = uuid5(_NAMESPACE, "invoice-numbering")


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


CREDIT_NOTE_NUMBERING_ID = uuid5(_NAMESPACE, "credit-note-numbering")


def format_credit_note_number(number: int) -> str:
    """Human credit-note number: ``CN-000001``."""
    return f"CN-{number:06d}"


class CreditNoteNumbering(Aggregate):
    """The credit-note number sequence, gap-free like the invoices' and saved atomically with
    each credit note; its state is just the last number taken."""

    TOPIC = "o2c.CreditNoteNumbering"

    class Event(Aggregate.Event):
        TOPIC = "o2c.CreditNoteNumbering.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "o2c.CreditNoteNumbering.Created"

    @classmethod
    def start(cls) -> CreditNoteNumbering:
        """Create the sequence (first use only)."""
        return cls._create(
            cls.CreditNoteNumberingStarted,  # type: ignore[attr-defined]  # defined by @event
            id=CREDIT_NOTE_NUMBERING_ID,
        )

    @event("CreditNoteNumberingStarted", topic=topic("CreditNoteNumberingStarted"))
    def __init__(self) -> None:
        self.last_number = 0

    def take(self, credit_note_id: UUID) -> int:
        """Take the next number for ``credit_note_id``."""
        self._assigned(self.last_number + 1, credit_note_id)
        return self.last_number

    @event("CreditNoteNumberAssigned", topic=topic("CreditNoteNumberAssigned"))
    def _assigned(self, number: int, credit_note_id: UUID) -> None:
        self.last_number = number
