"""Trial balances to compare: what a close recorded, and what the GL read model shows."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import func, select

from o2c.domain.money import to_mills
from o2c.projections.readstore import ReadStore

Net = dict[str, dict[str, int]]


def recorded_net(trial_balance: dict[str, Any]) -> Net:
    """Per currency and role, debit minus credit in mills, from a recorded trial balance."""
    return {
        currency: {
            role: to_mills(sides["debit"]) - to_mills(sides["credit"])
            for role, sides in roles.items()
        }
        for currency, roles in trial_balance.items()
    }


def read_model_net(read_store: ReadStore, through: date) -> Net:
    """The same from the "ledger" projection's day-book (rows posted up to ``through``)."""
    net: defaultdict[str, dict[str, int]] = defaultdict(dict)
    with read_store.engine.connect() as conn:
        daybook = read_store.live_tables(conn, "ledger")["daybook"]
        rows = conn.execute(
            select(
                daybook.c.currency,
                daybook.c.role,
                func.sum(daybook.c.debit) - func.sum(daybook.c.credit),
            )
            .where(daybook.c.posting_day <= through.toordinal())
            .group_by(daybook.c.currency, daybook.c.role)
        )
        for currency, role, balance in rows:
            net[str(currency)][str(role)] = int(balance)
    return dict(net)


def sides_balance(trial_balance: dict[str, Any]) -> None:
    """Per currency, debits equal credits, and each role has a balance on one side only."""
    for currency, roles in trial_balance.items():
        debits = sum(to_mills(s["debit"]) for s in roles.values())
        credits = sum(to_mills(s["credit"]) for s in roles.values())
        assert debits == credits, (currency, debits, credits)
        assert all(to_mills(s["debit"]) == 0 or to_mills(s["credit"]) == 0 for s in roles.values())
