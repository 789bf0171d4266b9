"""Commands of billing automation: a billing run's invoice for one customer, and recurring
contracts (start, change, cancel)."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from o2c.commands.base import BusinessDate, Command, IsoDate, Reason
from o2c.commands.orders import OrderLineIn


class BillCustomer(Command):
    """One customer's part of a billing run: one invoice of everything due as of ``as_of``
    (shipped up to the customer's cut-off for a periodic policy, and the due periods of the
    contracts named), with an id derived from the run and the customer."""

    DATED_BY = "as_of"

    run_id: UUID
    customer_id: UUID
    as_of: BusinessDate
    contract_ids: Annotated[list[UUID], Field(max_length=1000)] = []


class ContractLinesFields(BaseModel):
    """A contract's lines: priced and taxed as order lines are (tax fields optional)."""

    lines: Annotated[list[OrderLineIn], Field(min_length=1, max_length=200)]


class StartContract(ContractLinesFields, Command):
    """Enter a recurring contract; billing runs invoice each of its periods exactly once."""

    contract_id: UUID | None = None
    customer_id: UUID
    interval: Literal["month", "quarter", "year"]
    start_on: IsoDate
    end_on: IsoDate | None = None
    billing: Literal["in_advance", "in_arrears"] = "in_advance"


class ContractChangeFields(ContractLinesFields):
    """New lines and the day the change is made (default today)."""

    changed_on: BusinessDate | None = None


class ChangeContract(ContractChangeFields, Command):
    """Replace a contract's lines from the first period starting after ``changed_on``."""

    DATED_BY = "changed_on"

    contract_id: UUID


class ContractCancellationFields(BaseModel):
    """Why and when a contract is cancelled."""

    reason: Reason = "cancelled"
    cancelled_on: BusinessDate | None = None


class CancelContract(ContractCancellationFields, Command):
    """Invoice no period that starts after ``cancelled_on``."""

    DATED_BY = "cancelled_on"

    contract_id: UUID
