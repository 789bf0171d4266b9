"""E-invoices of issued documents: the facts an invoice or credit note recorded, read from its
events, turned into the XML of a syntax and profile.

Everything comes from the invoice's own stream (``InvoiceIssued`` with the seller and buyer as
they were at issue, ``CreditNoteApplied``) and, for the delivery date, from its order's
shipments: the same document always renders to the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from o2c.aggregates.invoice import Invoice
from o2c.application.ports import EventStorePort
from o2c.einvoice import Profile, Syntax, credit_note_document, invoice_document, render


@dataclass(frozen=True)
class EInvoiceFile:
    """The XML of one document and the file name it is offered under."""

    content: bytes
    filename: str


def _fields(event: object) -> dict[str, Any]:
    return dict(vars(event))


def issued_facts(store: EventStorePort, invoice_id: UUID) -> tuple[dict[str, Any], list[object]]:
    """The fields of the invoice's ``InvoiceIssued`` and its whole history; ``LookupError``
    for an unknown invoice."""
    history = list(store.history(invoice_id))
    if not history or not isinstance(history[0], Invoice.InvoiceIssued):
        raise LookupError(invoice_id)
    return _fields(history[0]), history


def delivery_date_in(order_events: Iterable[object], invoice_id: UUID) -> date | None:
    """The last shipment of an order before it invoiced ``invoice_id`` (an invoice takes
    everything shipped and not yet invoiced); ``None`` if the order never invoiced it."""
    shipped: date | None = None
    for event in order_events:
        if getattr(event, "invoice_id", None) == invoice_id:
            return shipped
        on = getattr(event, "shipped_on", None)
        if isinstance(on, date):
            shipped = on
    return None


def invoice_delivery_date(
    store: EventStorePort,
    issued: Mapping[str, Any],
    invoice_id: UUID,
    order_history: Callable[[UUID], Iterable[object]] | None = None,
) -> date | None:
    """The delivery date of an invoice: its order's, or, for a billing run's invoice over
    several orders (each line naming its own), the latest of theirs. ``order_history`` reads an
    order's events (default: the store's; a follower in the issuing save adds pending ones)."""
    history = order_history or store.history
    orders = [issued.get("order_id")] if issued.get("order_id") else []
    orders += sorted({ln["order_id"] for ln in issued.get("lines") or [] if ln.get("order_id")})
    found = [delivery_date_in(history(UUID(str(o))), invoice_id) for o in dict.fromkeys(orders)]
    return max((d for d in found if d is not None), default=None)


def invoice_einvoice(
    store: EventStorePort, invoice_id: UUID, syntax: Syntax, profile: Profile
) -> EInvoiceFile:
    """The e-invoice of an invoice; ``LookupError`` for an unknown one, ``RuleViolation`` for
    one the profile cannot express."""
    issued, _ = issued_facts(store, invoice_id)
    delivered = invoice_delivery_date(store, issued, invoice_id)
    document = invoice_document(issued, delivery_date=delivered)
    return EInvoiceFile(
        render(document, syntax, profile), _filename(document.number, syntax, profile)
    )


def credit_note_einvoice(
    store: EventStorePort,
    invoice_id: UUID,
    credit_note_id: UUID,
    syntax: Syntax,
    profile: Profile,
) -> EInvoiceFile:
    """The e-invoice of a credit note on ``invoice_id``; ``LookupError`` if it has none such."""
    issued, history = issued_facts(store, invoice_id)
    for event in history:
        if isinstance(event, Invoice.CreditNoteApplied) and event.credit_note_id == credit_note_id:
            delivered = invoice_delivery_date(store, issued, invoice_id)
            document = credit_note_document(issued, _fields(event), delivery_date=delivered)
            return EInvoiceFile(
                render(document, syntax, profile), _filename(document.number, syntax, profile)
            )
    raise LookupError(credit_note_id)


def _filename(number: str, syntax: Syntax, profile: Profile) -> str:
    return f"{number}-{profile.value}-{syntax.value}.xml"
