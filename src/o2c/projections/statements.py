"""Statements projection: every debit and credit on a customer's account by business date.

Balance = invoices − payments received + payments reversed − credit notes − discounts
+ discounts reversed − write-offs, i.e. AR balance net of unapplied cash: what the customer owes.
Allocating or deallocating cash moves money between unapplied cash and an invoice of the same
account, so it is no statement line; the discount it earned (or gave back) is.
"""

from __future__ import annotations

from o2c.domain.days import to_day
from o2c.domain.money import to_mills
from o2c.events.catalog import GIVEN_BACK_ON
from o2c.events.envelope import EventEnvelope
from o2c.projections.base import Handler, Projection
from o2c.projections.rows import MissingRow, RowCache
from o2c.projections.schema import statements_tables

T = "entries"
NUMBERS = "invoice_numbers"


def _needs(env: EventEnvelope) -> list[tuple[str, str]]:
    return [(NUMBERS, env.aggregate_id)] if env.aggregate_type == "Invoice" else []


def _invoice_number(rows: RowCache, env: EventEnvelope) -> str | None:
    if env.aggregate_type != "Invoice":
        return None
    row = rows.get(NUMBERS, env.aggregate_id)
    if row is None:
        raise MissingRow(f"{env.event_type} at {env.position}: invoice {env.aggregate_id} unknown")
    return str(row["number"])


def _entry(kind: str, sign: int, amount_field: str, date_field: str, reference: str) -> Handler:
    """A line whose reference is the event's ``reference`` field; ``"invoice_number"`` names
    the invoice the fact is about (a discount is known by its invoice, not by the payment)."""

    def handler(rows: RowCache, env: EventEnvelope) -> None:
        d = env.data
        customer = env.customer_id or env.aggregate_id
        document = d.get("payment_id") if env.aggregate_type == "CustomerAccount" else None
        number = _invoice_number(rows, env)
        shown = number if reference == "invoice_number" else d.get(reference)
        rows.append(
            T,
            {
                "position": env.position,
                "seq": 0,
                "customer_id": customer,
                "kind": kind,
                "reference": str(shown or "")[:64],
                "document": str(document or env.aggregate_id),
                "amount": sign * to_mills(d[amount_field]),
                "business_day": to_day(d[date_field]),
                "invoice_number": number,
            },
        )

    return handler


def _issued(rows: RowCache, env: EventEnvelope) -> None:
    number = env.data["number"]
    rows.put(NUMBERS, env.aggregate_id, {"invoice_id": env.aggregate_id, "number": number})
    _entry("invoice", +1, "total", "issued_on", "number")(rows, env)


def _credit_note(rows: RowCache, env: EventEnvelope) -> None:
    # Numbered credit notes show their number; those recorded before numbering, their reason.
    field = "number" if env.data.get("number") else "reason"
    _entry("credit_note", -1, "amount", "issued_on", field)(rows, env)


def _discount_reversed(rows: RowCache, env: EventEnvelope) -> None:
    """A deallocated or bounced payment takes its early-payment discount back."""
    if to_mills(env.data["discount"]) > 0:
        on = GIVEN_BACK_ON[env.event_type]
        _entry("discount_reversal", +1, "discount", on, "invoice_number")(rows, env)


HANDLERS: dict[str, Handler] = {
    "InvoiceIssued": _issued,
    "PaymentReceived": _entry("payment", -1, "amount", "received_on", "reference"),
    "PaymentReversed": _entry("payment_reversal", +1, "amount", "reversed_on", "reason"),
    "PaymentRefunded": _entry("refund", +1, "amount", "refunded_on", "reference"),
    "CreditNoteApplied": _credit_note,
    "DiscountTaken": _entry("discount", -1, "amount", "taken_on", "invoice_number"),
    "InvoiceWrittenOff": _entry("write_off", -1, "amount", "written_off_on", "reason"),
    **dict.fromkeys(GIVEN_BACK_ON, _discount_reversed),
}

PROJECTION = Projection("statements", statements_tables, _needs, HANDLERS)
