"""The tax report: taxable amount and tax per (category, rate) of a period, the VAT-return base.

Read by the credit and auditor roles (and admin). Figures are net of credit notes, early-payment
discounts and write-offs with bad-debt relief, and the report's tax equals the output-tax
account's movements over the same posting dates.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from o2c.api.auth import allow
from o2c.api.problems import Problem
from o2c.api.reads import MinPosition, queries
from o2c.commands.base import IsoDate
from o2c.identity.principal import Principal
from o2c.projections.queries.tax_report import TaxReport

router = APIRouter(prefix="/v1/reports", tags=["reports"])

TaxReader = Annotated[Principal, Depends(allow("credit", "auditor"))]


@router.get("/tax", summary="Tax report (VAT-return base)")
def tax_report(
    _: TaxReader,
    request: Request,
    start: Annotated[IsoDate, Query(alias="from", description="first posting date (included)")],
    end: Annotated[IsoDate, Query(alias="to", description="last posting date (included)")],
    currency: str | None = Query(
        None, pattern="^[A-Z]{3}$", description="required when the book keeps several currencies"
    ),
    min_position: int | None = MinPosition,
) -> TaxReport:
    """Per (category, rate): the taxable amount and the tax of the invoices of the period, less
    its credit notes, the tax part of early-payment discounts and write-offs with bad-debt
    relief; rows by category, then rate (highest first), and their totals. Facts recorded
    before taxes are not in it."""
    if end < start:
        raise Problem(422, "invalid-period", "'to' must not be before 'from'")
    return queries(request, min_position).tax_report(start=start, end=end, currency=currency)
