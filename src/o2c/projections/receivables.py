"""Receivables projection: invoices (open items, dunning state) and their dated money movements.

Each movement changes an invoice's open amount on a business date (issue +total, payment −,
discount −, credit note −, write-off −, reversal +), so the open amount as of any past date is
the sum of its movements up to that date. A movement dated before its invoice's issue date is
booked on the issue date: the ledger cannot hold a payment against an invoice not yet issued.
"""

from __future__ import annotations

import json
from typing import Any

from o2c.domain.days import to_day
from o2c.domain.money import to_mills
from o2c.events.catalog import GIVEN_BACK_ON
from o2c.events.envelope import EventEnvelope
from o2c.projections.base import Handler, Projection
from o2c.projections.rows import MissingRow, RowCache
from o2c.projections.schema import receivables_tables

T = "invoices"
LINES = "invoice_lines"
M = "movements"
B = "daybook"
CREDIT_NOTES = "credit_notes"


def _needs(env: EventEnvelope) -> list[tuple[str, str]]:
    return [(T, env.aggregate_id)] if env.aggregate_type == "Invoice" else []


def _row(rows: RowCache, env: EventEnvelope) -> dict[str, Any]:
    row = rows.get(T, env.aggregate_id)
    if row is None:
        raise MissingRow(f"{env.event_type} at {env.position}: invoice {env.aggregate_id} unknown")
    return row


def _movement(
    rows: RowCache, env: EventEnvelope, row: dict[str, Any], kind: str, amount: int, day: str
) -> None:
    business_day = max(int(to_day(day) or 0), int(row["issued_day"]))
    due_day, issued_day = int(row["due_day"]), int(row["issued_day"])
    rows.append(
        M,
        {
            "position": env.position,
            "seq": 0,
            "invoice_id": row["invoice_id"],
            "customer_id": row["customer_id"],
            "kind": kind,
            "amount": amount,
            "business_day": business_day,
            "due_day": due_day,
            "issued_day": issued_day,
            "recorded_at": env.recorded_at,
        },
    )
    days = (business_day, due_day, issued_day)
    _post_to_daybook(rows, row["currency"], days, amount, kind == "invoice")


def _post_to_daybook(
    rows: RowCache, currency: str, days: tuple[int, int, int], amount: int, invoiced: bool
) -> None:
    # Per currency: figures of different currencies are never added together.
    business_day, due_day, issued_day = days
    rows.increment(
        B,
        f"{currency}:{business_day}:{due_day}:{issued_day}",
        {
            "currency": currency,
            "business_day": business_day,
            "due_day": due_day,
            "issued_day": issued_day,
        },
        {"amount": amount, "invoiced": amount if invoiced else 0},
    )


# What an invoice's own page shows of its tax and parties (None on invoices issued before taxes).
DOCUMENT_FIELDS = ("net_total", "tax_total", "tax_breakdown", "purchase_order", "seller", "buyer")


def _issued(rows: RowCache, env: EventEnvelope) -> None:
    d = env.data
    row = {
        "invoice_id": env.aggregate_id,
        "customer_id": d["customer_id"],
        "order_id": d.get("order_id"),
        "number": d["number"],
        "currency": d["currency"],
        "total": to_mills(d["total"]),
        "open_amount": to_mills(d["total"]),
        "issued_day": to_day(d["issued_on"]),
        "due_day": to_day(d["due_on"]),
        "status": "open",
        "disputed": False,
        "dunning_level": 0,
        "last_reminder_day": None,
        "discount_taken": 0,
        "paid": 0,
        "credited": 0,
        "written_off": 0,
        "version": env.version,
        "discount_amount": to_mills(d.get("discount_amount") or 0),
        "discount_until_day": to_day(d.get("discount_until")),
        "external_reference": d.get("external_reference"),
    }
    rows.put(T, env.aggregate_id, row)
    lines = json.dumps(d["lines"], sort_keys=True)
    document = json.dumps({k: d.get(k) for k in DOCUMENT_FIELDS}, sort_keys=True)
    rows.append(LINES, {"invoice_id": env.aggregate_id, "lines": lines, "document": document})
    _movement(rows, env, row, "invoice", row["total"], d["issued_on"])


def _reduction(kind: str, column: str, date_field: str) -> Handler:
    def handler(rows: RowCache, env: EventEnvelope) -> None:
        row = _row(rows, env)
        amount = to_mills(env.data["amount"])
        row["open_amount"] -= amount
        row[column] += amount
        row["version"] = env.version
        rows.touch(T, env.aggregate_id)
        _movement(rows, env, row, kind, -amount, env.data[date_field])

    return handler


def _credit_note(rows: RowCache, env: EventEnvelope) -> None:
    _reduction("credit_note", "credited", "issued_on")(rows, env)
    rows.append(
        CREDIT_NOTES,
        {
            "credit_note_id": str(env.data["credit_note_id"]),
            "invoice_id": env.aggregate_id,
            "number": env.data.get("number"),
        },
    )
    # The discount base is the total less credit notes: the invoice says what it offers now
    # (credit notes recorded before it said so left the discount as it was issued).
    if env.data.get("discount_amount") is not None:
        _row(rows, env)["discount_amount"] = to_mills(env.data["discount_amount"])


def _payment_given_back(rows: RowCache, env: EventEnvelope) -> None:
    # A bounced payment and an undone allocation are different facts with the same arithmetic.
    row = _row(rows, env)
    amount = to_mills(env.data["amount"])
    discount = to_mills(env.data["discount"])
    row["open_amount"] += amount + discount
    row["paid"] -= amount
    row["discount_taken"] -= discount
    if row["open_amount"] > 0:
        row["status"] = "open"
    row["version"] = env.version
    rows.touch(T, env.aggregate_id)
    on = env.data[GIVEN_BACK_ON[env.event_type]]
    _movement(rows, env, row, "reversal", amount + discount, on)


def _set(change: Any) -> Handler:
    def handler(rows: RowCache, env: EventEnvelope) -> None:
        row = _row(rows, env)
        row.update(change(env))
        row["version"] = env.version
        rows.touch(T, env.aggregate_id)

    return handler


HANDLERS: dict[str, Handler] = {
    "InvoiceIssued": _issued,
    "PaymentApplied": _reduction("payment", "paid", "applied_on"),
    "DiscountTaken": _reduction("discount", "discount_taken", "taken_on"),
    "CreditNoteApplied": _credit_note,
    "InvoiceWrittenOff": _reduction("write_off", "written_off", "written_off_on"),
    **dict.fromkeys(GIVEN_BACK_ON, _payment_given_back),
    "InvoiceSettled": _set(
        lambda e: {"status": "written_off" if e.data["how"] == "written_off" else "settled"}
    ),
    "InvoiceDisputed": _set(lambda e: {"disputed": True}),
    "DisputeResolved": _set(lambda e: {"disputed": False}),
    "ReminderSent": _set(
        lambda e: {"dunning_level": e.data["level"], "last_reminder_day": to_day(e.data["as_of"])}
    ),
}

PROJECTION = Projection("receivables", receivables_tables, _needs, HANDLERS)
