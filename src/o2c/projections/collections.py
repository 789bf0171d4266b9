"""Collections projection: promises to pay, reminder levels, payment behaviour, notes and
collectors, each fact kept with its business date.

The worklist's priority and the cash forecast read these as of any day (a promise counts as
broken on the day it was recorded broken, a reminder level from the day it was sent, an invoice
as settled from the day cash settled it), so the same figures can be replayed from the log.
"""

from __future__ import annotations

from o2c.domain.days import to_day
from o2c.domain.money import to_mills
from o2c.domain.promises import BROKEN, KEPT, PENDING
from o2c.events.catalog import GIVEN_BACK_ON
from o2c.events.envelope import EventEnvelope
from o2c.projections.base import Handler, Projection
from o2c.projections.rows import MissingRow, RowCache
from o2c.projections.schema import collections_tables

INV, P, R, N, F, C = "invoices", "promises", "reminders", "notes", "follow_ups", "collectors"

_BY_PROMISE = {"PromiseKept", "PromiseBroken"}


def _needs(env: EventEnvelope) -> list[tuple[str, str]]:
    if env.event_type in _BY_PROMISE:
        return [(P, str(env.data["promise_id"]))]
    if env.event_type == "NoteAdded":
        return [(F, env.aggregate_id)]
    if env.event_type == "CollectorAssigned":
        return [(C, env.aggregate_id)]
    if env.aggregate_type == "Invoice":
        return [(INV, env.aggregate_id)]
    return []


def _invoice(rows: RowCache, env: EventEnvelope) -> dict[str, object]:
    row = rows.get(INV, env.aggregate_id)
    if row is None:
        raise MissingRow(f"{env.event_type} at {env.position}: invoice {env.aggregate_id} unknown")
    return row


def _issued(rows: RowCache, env: EventEnvelope) -> None:
    d = env.data
    rows.put(
        INV,
        env.aggregate_id,
        {
            "invoice_id": env.aggregate_id,
            "customer_id": d["customer_id"],
            "number": d["number"],
            "currency": d["currency"],
            "total": to_mills(d["total"]),
            "due_day": to_day(d["due_on"]),
            "settled_day": None,
        },
    )


def _settled(rows: RowCache, env: EventEnvelope) -> None:
    # Payment behaviour counts what cash settled, not credit notes or write-offs.
    if env.data["how"] != "paid":
        return
    _invoice(rows, env)["settled_day"] = to_day(env.data["settled_on"])
    rows.touch(INV, env.aggregate_id)


def _given_back(rows: RowCache, env: EventEnvelope) -> None:
    row = _invoice(rows, env)
    if row["settled_day"] is not None:
        row["settled_day"] = None
        rows.touch(INV, env.aggregate_id)


def _reminder(rows: RowCache, env: EventEnvelope) -> None:
    level = int(env.data["level"])
    rows.put(
        R,
        f"{env.aggregate_id}:{level}",
        {
            "key": f"{env.aggregate_id}:{level}",
            "invoice_id": env.aggregate_id,
            "level": level,
            "day": to_day(env.data["as_of"]),
        },
    )


def _promise_made(rows: RowCache, env: EventEnvelope) -> None:
    d = env.data
    promise_id = str(d["promise_id"])
    rows.put(
        P,
        promise_id,
        {
            "promise_id": promise_id,
            "invoice_id": env.aggregate_id,
            "customer_id": env.customer_id or str(_invoice(rows, env)["customer_id"]),
            "promised_day": to_day(d["promised_on"]),
            "deadline_day": to_day(d["deadline"]),
            "amount": to_mills(d["amount"]),
            "made_day": to_day(d["made_on"]),
            "note": d["note"],
            "made_by": env.actor[:200],
            "status": PENDING,
            "outcome_day": None,
        },
    )


def _outcome(status: str, date_field: str) -> Handler:
    def handler(rows: RowCache, env: EventEnvelope) -> None:
        promise_id = str(env.data["promise_id"])
        row = rows.get(P, promise_id)
        if row is None:
            raise MissingRow(f"{env.event_type} at {env.position}: promise {promise_id} unknown")
        row.update(status=status, outcome_day=to_day(env.data[date_field]))
        rows.touch(P, promise_id)

    return handler


def _note(rows: RowCache, env: EventEnvelope) -> None:
    d = env.data
    note_id = str(d["note_id"])
    follow_up = to_day(d.get("follow_up_on"))
    rows.append(
        N,
        {
            "note_id": note_id,
            "customer_id": env.aggregate_id,
            "text": d["text"],
            "follow_up_day": follow_up,
            "noted_day": to_day(d["noted_on"]),
            "author": env.actor[:200],
            "position": env.position,
        },
    )
    row = {"customer_id": env.aggregate_id, "note_id": note_id, "follow_up_day": follow_up}
    existing = rows.get(F, env.aggregate_id)
    if existing is None:
        rows.put(F, env.aggregate_id, row)
    else:
        existing.update(row)
        rows.touch(F, env.aggregate_id)


def _collector(rows: RowCache, env: EventEnvelope) -> None:
    row = {"customer_id": env.aggregate_id, "collector": env.data["collector"]}
    existing = rows.get(C, env.aggregate_id)
    if existing is None:
        rows.put(C, env.aggregate_id, row)
    else:
        existing.update(row)
        rows.touch(C, env.aggregate_id)


HANDLERS: dict[str, Handler] = {
    "InvoiceIssued": _issued,
    "InvoiceSettled": _settled,
    **dict.fromkeys(GIVEN_BACK_ON, _given_back),
    "ReminderSent": _reminder,
    "PromiseMade": _promise_made,
    "PromiseKept": _outcome(KEPT, "kept_on"),
    "PromiseBroken": _outcome(BROKEN, "broken_on"),
    "NoteAdded": _note,
    "CollectorAssigned": _collector,
}

PROJECTION = Projection("collections", collections_tables, _needs, HANDLERS)
