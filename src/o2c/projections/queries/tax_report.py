"""The tax report: per (category, rate), the taxable amount and the tax of a period, the base of
a VAT return.

It sums the tax movements the general ledger stores with each taxed fact: invoices add their
breakdown; credit notes, the tax part of early-payment discounts and write-offs with bad-debt
relief take theirs back. So the report is net of them, dated like the ledger (a fact posts on
its business date, never before its invoice's issue date), and its tax equals the movements of
the output-tax account over the same dates. Facts recorded before taxes have no movements.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from typing_extensions import TypedDict

from o2c.domain.money import from_mills
from o2c.projections.queries.ledger import LedgerQueries


class TaxReportRow(TypedDict):
    """One (category, rate) group: its taxable amount and its tax, net of what was taken back."""

    category: str
    rate: str
    taxable: str
    tax: str


TaxReport = TypedDict(
    "TaxReport",
    {
        "from": str,
        "to": str,
        "currency": str | None,
        "rows": list[TaxReportRow],
        "taxable": str,
        "tax": str,
    },
)
TaxReport.__doc__ = """The VAT-return base of a period in one currency: rows by category, then
rate (highest first), and their totals."""


class TaxReportQueries(LedgerQueries):
    """The tax report over the general ledger's tax movements."""

    def tax_report(self, *, start: date, end: date, currency: str | None = None) -> TaxReport:
        """Taxable and tax per (category, rate) of the facts posted from ``start`` to ``end``
        (both included), in ``currency`` — by default the ledger's only one; a book kept in
        several currencies must name one (``currency-required``)."""
        currency = currency or self._only_currency()
        with self.rs.engine.connect() as conn:
            t = self._t(conn, "ledger")["tax_movements"]
            sums = conn.execute(
                select(t.c.category, t.c.rate, func.sum(t.c.taxable), func.sum(t.c.tax))
                .where(
                    t.c.currency == currency,
                    t.c.posting_day >= start.toordinal(),
                    t.c.posting_day <= end.toordinal(),
                )
                .group_by(t.c.category, t.c.rate)
            ).all()
        ordered = sorted(sums, key=lambda r: (str(r[0]), -Decimal(str(r[1]))))
        rows = [
            TaxReportRow(
                category=str(r[0]),
                rate=str(r[1]),
                taxable=from_mills(int(r[2]), currency),
                tax=from_mills(int(r[3]), currency),
            )
            for r in ordered
        ]
        return {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "currency": currency,
            "rows": rows,
            "taxable": from_mills(sum(int(r[2]) for r in sums), currency),
            "tax": from_mills(sum(int(r[3]) for r in sums), currency),
        }
