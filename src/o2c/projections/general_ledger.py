"""General-ledger projection: every AR fact as balanced journal lines, and a day-book of balances.

The posting rules live in ``o2c.ledger.postings`` (shared with the period close and the auditor's
check); this projection stores their result: one line per debit or credit, naming its source
event, and per (currency, ledger role, posting day) the sums a trial balance adds up; and each
taxed fact's movements per (category, rate), which the tax report sums.
"""

from __future__ import annotations

import json

from o2c.domain.days import to_day
from o2c.events.envelope import EventEnvelope
from o2c.ledger.postings import Entry, TaxMovement, discount_tax_held, post
from o2c.projections.base import Handler, Projection
from o2c.projections.rows import MissingRow, RowCache
from o2c.projections.schema import ledger_tables

# The two look-up tables have names no other projection uses for its own tables.
LINES, DAYBOOK, TAX = "lines", "daybook", "tax_movements"
CUSTOMERS, INVOICES = "account_currencies", "invoice_dates"
DISCOUNT_TAXES = "discount_taxes"


def _discount_key(env: EventEnvelope) -> str | None:
    """``invoice:payment`` of a fact that earns or gives back a discount."""
    if env.event_type == "DiscountTaken":
        return f"{env.aggregate_id}:{env.data['payment_id']}"
    if env.event_type == "PaymentDeallocated":
        return f"{env.data['invoice_id']}:{env.data['payment_id']}"
    return None


def _needs(env: EventEnvelope) -> list[tuple[str, str]]:
    wanted = [(CUSTOMERS, env.customer_id or env.aggregate_id)]
    invoice = env.data.get("invoice_id") or (
        env.aggregate_id if env.aggregate_type == "Invoice" else None
    )
    if invoice:
        wanted.append((INVOICES, str(invoice)))
    discount = _discount_key(env)
    return [*wanted, (DISCOUNT_TAXES, discount)] if discount else wanted


class _RowBooks:
    """What posting looks up, from this projection's own rows."""

    def __init__(self, rows: RowCache, env: EventEnvelope) -> None:
        self.rows, self.env = rows, env

    def currency_of(self, customer_id: str) -> str:
        row = self.rows.get(CUSTOMERS, customer_id)
        if row is None:
            raise MissingRow(f"{self.env.event_type} at {self.env.position}: customer unknown")
        return str(row["currency"])

    def issued_day_of(self, invoice_id: str) -> int:
        row = self.rows.get(INVOICES, invoice_id)
        if row is None:
            raise MissingRow(f"{self.env.event_type} at {self.env.position}: invoice unknown")
        return int(row["issued_day"])

    def discount_tax_of(self, invoice_id: str, payment_id: str) -> tuple[TaxMovement, ...]:
        row = self.rows.get(DISCOUNT_TAXES, f"{invoice_id}:{payment_id}")
        if row is None:
            return ()
        return tuple(TaxMovement(c, r, n, t) for c, r, n, t in json.loads(row["split"]))


def _number_of(rows: RowCache, env: EventEnvelope, document: str) -> str | None:
    """The human number of a line's document: a credit note's from its event, an invoice's
    from the look-up (payments and write-offs have none)."""
    if env.event_type == "CreditNoteApplied" and document == str(env.data["credit_note_id"]):
        return env.data.get("number")
    invoice = rows.get(INVOICES, document)
    return None if invoice is None else invoice.get("number")


def _record(rows: RowCache, env: EventEnvelope, entry: Entry) -> None:
    for seq, line in enumerate(entry.lines):
        document = line.document or entry.document_id
        rows.append(
            LINES,
            {
                "position": env.position,
                "seq": seq,
                "event_id": env.event_id,
                "fact": entry.fact,
                "posting_day": entry.posting_day,
                "currency": entry.currency,
                "role": line.role.value,
                "debit": line.debit,
                "credit": line.credit,
                "customer_id": entry.customer_id,
                "document_id": document,
                "document_number": _number_of(rows, env, document),
                "tax_category": line.category,
                "tax_rate": line.rate,
            },
        )
        rows.increment(
            DAYBOOK,
            f"{entry.currency}:{line.role.value}:{entry.posting_day}",
            {"currency": entry.currency, "role": line.role.value, "posting_day": entry.posting_day},
            {"debit": line.debit, "credit": line.credit},
        )


def _record_tax(rows: RowCache, env: EventEnvelope, entry: Entry) -> None:
    for seq, movement in enumerate(entry.tax):
        rows.append(
            TAX,
            {
                "position": env.position,
                "seq": seq,
                "fact": entry.fact,
                "posting_day": entry.posting_day,
                "currency": entry.currency,
                "category": movement.category,
                "rate": movement.rate,
                "taxable": movement.taxable,
                "tax": movement.tax,
            },
        )


def _posting(rows: RowCache, env: EventEnvelope) -> None:
    books = _RowBooks(rows, env)
    entry = post(env, books)
    if entry is not None:
        _record(rows, env, entry)
        _record_tax(rows, env, entry)
    key = _discount_key(env)
    if key is not None:
        _, _, held = discount_tax_held(env, books)
        split = [[m.category, m.rate, m.taxable, m.tax] for m in held]
        rows.put(DISCOUNT_TAXES, key, {"key": key, "split": json.dumps(split)})


def _opened(rows: RowCache, env: EventEnvelope) -> None:
    rows.put(
        CUSTOMERS,
        env.aggregate_id,
        {"customer_id": env.aggregate_id, "currency": env.data["currency"]},
    )


def _issued(rows: RowCache, env: EventEnvelope) -> None:
    day, number = to_day(env.data["issued_on"]), env.data["number"]
    row = {"invoice_id": env.aggregate_id, "issued_day": day, "number": number}
    rows.put(INVOICES, env.aggregate_id, row)
    _posting(rows, env)


POSTING_EVENTS = (
    "PaymentReceived",
    "PaymentReversed",
    "PaymentRefunded",
    "PaymentAllocated",
    "PaymentDeallocated",
    "DiscountTaken",
    "CreditNoteApplied",
    "InvoiceWrittenOff",
)

HANDLERS: dict[str, Handler] = {
    "AccountOpened": _opened,
    "InvoiceIssued": _issued,
    **dict.fromkeys(POSTING_EVENTS, _posting),
}

PROJECTION = Projection("ledger", ledger_tables, _needs, HANDLERS)
