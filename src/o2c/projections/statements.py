"""Statements projection: every debit and credit on a customer's account by business date.

Balance = invoices − payments received + payments reversed − credit notes − discounts
+ discounts reversed − write-offs, i.e. AR balance net of unapplied cash: what the customer owes.
Allocating or deallocating cash moves money between unapplied cash and an invoice of the same
account, so it is no statement line; the discount it earned (or gave back) is.
"""

from __future__ import annotations

from o2c.events.catalog import GIVEN_BACK_ON
from o2c.events.envelope import EventEnvelope
from o2c.projections.base import Handler, Projection
from o2c.projections.rows import RowCache
from o2c.projections.schema import statements_tables
from o2c.projections.units import to_day, to_mills

T = "entries"


def _needs(env: EventEnvelope) -> list[tuple[str, str]]:
    return []


def _entry(kind: str, sign: int, amount_field: str, date_field: str, reference: str) -> Handler:
    def handler(rows: RowCache, env: EventEnvelope) -> None:
        d = env.data
        customer = env.customer_id or env.aggregate_id
        document = d.get("payment_id") if env.aggregate_type == "CustomerAccount" else None
        rows.append(
            T,
            {
                "position": env.position,
                "seq": 0,
                "customer_id": customer,
                "kind": kind,
                "reference": str(d.get(reference) or "")[:64],
                "document": str(document or env.aggregate_id),
                "amount": sign * to_mills(d[amount_field]),
                "business_day": to_day(d[date_field]),
            },
        )

    return handler


def _discount_reversed(rows: RowCache, env: EventEnvelope) -> None:
    """A deallocated or bounced payment takes its early-payment discount back."""
    if to_mills(env.data["discount"]) > 0:
        on = GIVEN_BACK_ON[env.event_type]
        _entry("discount_reversal", +1, "discount", on, "payment_id")(rows, env)


HANDLERS: dict[str, Handler] = {
    "InvoiceIssued": _entry("invoice", +1, "total", "issued_on", "number"),
    "PaymentReceived": _entry("payment", -1, "amount", "received_on", "reference"),
    "PaymentReversed": _entry("payment_reversal", +1, "amount", "reversed_on", "reason"),
    "CreditNoteApplied": _entry("credit_note", -1, "amount", "issued_on", "reason"),
    "DiscountTaken": _entry("discount", -1, "amount", "taken_on", "payment_id"),
    "InvoiceWrittenOff": _entry("write_off", -1, "amount", "written_off_on", "reason"),
    **dict.fromkeys(GIVEN_BACK_ON, _discount_reversed),
}

PROJECTION = Projection("statements", statements_tables, _needs, HANDLERS)
