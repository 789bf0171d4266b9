"""The projections o2c maintains, by name."""

from __future__ import annotations

from o2c.projections import (
    accounts,
    bank,
    billing,
    collections,
    general_ledger,
    orders,
    payments,
    receivables,
    statements,
)
from o2c.projections.base import Projection

PROJECTIONS: tuple[Projection, ...] = (
    accounts.PROJECTION,
    orders.PROJECTION,
    receivables.PROJECTION,
    payments.PROJECTION,
    statements.PROJECTION,
    general_ledger.PROJECTION,
    bank.PROJECTION,
    billing.PROJECTION,
    collections.PROJECTION,
)

BY_NAME: dict[str, Projection] = {p.name: p for p in PROJECTIONS}
