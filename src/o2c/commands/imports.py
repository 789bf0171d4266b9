"""Bulk imports of opening balances: one command per file, stored all at once or not at all."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import Field

from o2c.commands.accounts import OpenAccount
from o2c.commands.base import Amount, BusinessDate, Command, SingleLine


class ImportCustomers(Command):
    """Open every account of a file in one transaction."""

    rows: Annotated[list[OpenAccount], Field(min_length=1, max_length=100_000)]


class OpeningInvoice(Command):
    """An invoice carried over from a previous system, with its outstanding amount."""

    DATED_BY = "issued_on"

    customer_id: UUID
    invoice_id: UUID | None = None
    reference: Annotated[SingleLine, Field(max_length=64)] = ""
    issued_on: BusinessDate
    due_on: BusinessDate | None = None
    open_amount: Amount
    # An early-payment discount still on offer when the balance was carried over.
    discount_amount: Amount | None = None
    discount_until: BusinessDate | None = None


class ImportOpeningInvoices(Command):
    """Book every opening invoice of a file in one transaction."""

    DATED_BY = "rows.issued_on"

    rows: Annotated[list[OpeningInvoice], Field(min_length=1, max_length=100_000)]
