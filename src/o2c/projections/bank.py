"""Bank projection: imported statements and every line with what cash application did with it.

A line is ``pending`` until decided, then ``applied`` (with its payment, rule and score) or
``unmatched`` (the exception queue, with the matcher's suggestions); ``duplicate`` and ``debit``
lines are never posted. Lines are keyed by ``line_uuid`` (statement id + the bank's line id).
"""

from __future__ import annotations

import json
from uuid import UUID

from o2c.aggregates.bank_statement import line_uuid
from o2c.domain.days import to_day
from o2c.domain.money import to_mills
from o2c.events.envelope import EventEnvelope
from o2c.projections.base import Handler, Projection
from o2c.projections.rows import MissingRow, RowCache
from o2c.projections.schema import bank_tables

S = "statements"
L = "lines"


def _key(env: EventEnvelope) -> str:
    return str(line_uuid(UUID(env.aggregate_id), env.data["line_id"]))


def _needs(env: EventEnvelope) -> list[tuple[str, str]]:
    if env.event_type in ("BankLineApplied", "BankLineQueued"):
        return [(L, _key(env))]
    return []


def _imported(rows: RowCache, env: EventEnvelope) -> None:
    d = env.data
    rows.put(
        S,
        env.aggregate_id,
        {
            "statement_id": env.aggregate_id,
            "account_id": d["account_id"],
            "bank_statement_id": d["statement_id"],
            "currency": d["currency"],
            "period_start_day": to_day(d["period_start"]),
            "period_end_day": to_day(d["period_end"]),
            "file_format": d["file_format"],
            "lines": len(d["lines"]),
            "imported_at": env.recorded_at,
        },
    )
    statement = UUID(env.aggregate_id)
    for seq, line in enumerate(d["lines"], start=1):
        if line.get("duplicate_of"):
            status = "duplicate"
        elif not line["credit"]:
            status = "debit"
        else:
            status = "pending"
        rows.put(
            L,
            str(line_uuid(statement, line["line_id"])),
            {
                "line_key": str(line_uuid(statement, line["line_id"])),
                "statement_id": env.aggregate_id,
                "seq": seq,
                "account_id": d["account_id"],
                "line_id": line["line_id"],
                "currency": d["currency"],
                "amount": to_mills(line["amount"]),
                "booked_day": to_day(line["booked_on"]),
                "bank_reference": line.get("bank_reference"),
                "payer_name": line.get("payer_name"),
                "payer_iban": line.get("payer_iban"),
                "remittance": line.get("remittance") or "",
                "status": status,
                "duplicate_of": line.get("duplicate_of"),
                "payment_id": None,
                "customer_id": None,
                "rule": None,
                "score": None,
                "decided_by": None,
                "reason": None,
                "suggestions": "[]",
            },
        )


def _line(rows: RowCache, env: EventEnvelope) -> dict[str, object]:
    row = rows.get(L, _key(env))
    if row is None:
        raise MissingRow(f"{env.event_type} at {env.position}: line {env.data['line_id']} unknown")
    return row


def _applied(rows: RowCache, env: EventEnvelope) -> None:
    d = env.data
    row = _line(rows, env)
    row.update(
        status="applied",
        payment_id=d["payment_id"],
        customer_id=d["customer_id"],
        rule=d["rule"],
        score=repr(float(d["score"])),
        decided_by=d["applied_by"],
        reason=None,
    )
    rows.touch(L, _key(env))


def _queued(rows: RowCache, env: EventEnvelope) -> None:
    d = env.data
    row = _line(rows, env)
    row.update(status="unmatched", reason=d["reason"], suggestions=json.dumps(d["suggestions"]))
    rows.touch(L, _key(env))


HANDLERS: dict[str, Handler] = {
    "BankStatementImported": _imported,
    "BankLineApplied": _applied,
    "BankLineQueued": _queued,
}

PROJECTION = Projection("bank", bank_tables, _needs, HANDLERS)
