"""General-ledger projection: every AR fact as balanced journal lines, and a day-book of balances.

The posting rules live in ``o2c.ledger.postings`` (shared with the period close and the auditor's
check); this projection stores their result: one line per debit or credit, naming its source
event, and per (currency, ledger role, posting day) the sums a trial balance adds up.
"""

from __future__ import annotations

from o2c.domain.days import to_day
from o2c.events.envelope import EventEnvelope
from o2c.ledger.postings import Entry, post
from o2c.projections.base import Handler, Projection
from o2c.projections.rows import MissingRow, RowCache
from o2c.projections.schema import ledger_tables

# The two look-up tables have names no other projection uses for its own tables.
LINES, DAYBOOK = "lines", "daybook"
CUSTOMERS, INVOICES = "account_currencies", "invoice_dates"


def _needs(env: EventEnvelope) -> list[tuple[str, str]]:
    wanted = [(CUSTOMERS, env.customer_id or env.aggregate_id)]
    invoice = env.data.get("invoice_id") or (
        env.aggregate_id if env.aggregate_type == "Invoice" else None
    )
    return [*wanted, (INVOICES, str(invoice))] if invoice else wanted


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
            },
        )
        rows.increment(
            DAYBOOK,
            f"{entry.currency}:{line.role.value}:{entry.posting_day}",
            {"currency": entry.currency, "role": line.role.value, "posting_day": entry.posting_day},
            {"debit": line.debit, "credit": line.credit},
        )


def _posting(rows: RowCache, env: EventEnvelope) -> None:
    entry = post(env, _RowBooks(rows, env))
    if entry is not None:
        _record(rows, env, entry)


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
    "PaymentAllocated",
    "PaymentDeallocated",
    "CreditNoteApplied",
    "InvoiceWrittenOff",
)

HANDLERS: dict[str, Handler] = {
    "AccountOpened": _opened,
    "InvoiceIssued": _issued,
    **dict.fromkeys(POSTING_EVENTS, _posting),
}

PROJECTION = Projection("ledger", ledger_tables, _needs, HANDLERS)
