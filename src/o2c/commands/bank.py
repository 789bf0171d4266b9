"""Commands of bank cash application: customers' bank accounts, statements and their lines."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from o2c.bank.iban import valid_iban
from o2c.commands.base import Amount, BusinessDate, Command, SingleLine, Text
from o2c.commands.payments import AllocationIn

INVALID_IBAN = "invalid_iban"


def _compact_iban(value: str) -> str:
    compact = valid_iban(value)
    if compact is None:
        raise PydanticCustomError(INVALID_IBAN, "not a valid IBAN (country format and checksum)")
    return compact


# An IBAN as people write it ("DE89 3704 0044 0532 0130 00"), validated and kept compact.
Iban = Annotated[
    SingleLine,
    Field(min_length=5, max_length=64, examples=["DE89370400440532013000"]),
    AfterValidator(_compact_iban),
]
LineId = Annotated[SingleLine, Field(min_length=1, max_length=200)]
Score = Annotated[float, Field(ge=0, le=1)]


# The account holder's name as the bank shows it (e.g. on a statement line's payer).
Holder = Annotated[SingleLine, Field(min_length=1, max_length=140, examples=["Acme GmbH"])]


class BankAccountFields(BaseModel):
    """A bank account (IBAN, spaces allowed) and its holder's name."""

    iban: Iban
    holder: Holder | None = None


class RecordBankAccount(BankAccountFields, Command):
    """Remember a bank account (IBAN) the customer pays from, for matching its receipts."""

    customer_id: UUID


class BankLineIn(BaseModel):
    """One line of a statement as the bank reported it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    line_id: LineId
    booked_on: BusinessDate
    amount: Amount
    credit: bool
    bank_reference: Annotated[SingleLine, Field(max_length=200)] | None = None
    remittance: Annotated[SingleLine, Field(max_length=2000)] = ""
    payer_name: Annotated[SingleLine, Field(max_length=200)] | None = None
    payer_iban: Annotated[SingleLine, Field(max_length=64)] | None = None
    end_to_end_id: Annotated[SingleLine, Field(max_length=200)] | None = None
    # The line an earlier statement (or this one) already reported: never posted.
    duplicate_of: Annotated[SingleLine, Field(max_length=400)] | None = None


class ImportBankStatement(Command):
    """Record a statement read from a file; its lines are decided by ``DecideBankLines``."""

    account_id: Annotated[SingleLine, Field(min_length=1, max_length=64)]
    statement_id: Annotated[SingleLine, Field(min_length=1, max_length=200)]
    currency: Annotated[SingleLine, Field(min_length=3, max_length=3)]
    period_start: BusinessDate
    period_end: BusinessDate
    created_on: BusinessDate | None = None
    file_format: Annotated[SingleLine, Field(max_length=20)] = ""
    lines: Annotated[list[BankLineIn], Field(max_length=100_000)]

    def dates_not_after_today(self, today: date) -> list[date]:
        """A bank cannot have booked a line tomorrow: a statement booking one (or ending after
        today) is refused whole, before any of its lines becomes a payment."""
        return [self.period_end, *(line.booked_on for line in self.lines)]


class SuggestionIn(BaseModel):
    """A candidate application of a queued line, for a person to confirm."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    customer_id: UUID
    invoice_ids: Annotated[list[UUID], Field(max_length=500)]
    score: Score


class LineApplication(BaseModel):
    """Post one line as a payment of ``customer_id``: to these invoices, or (``[]``) unapplied."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    line_id: LineId
    payment_id: UUID | None = None
    customer_id: UUID
    amount: Amount
    received_on: BusinessDate
    reference: Text = ""
    allocations: Annotated[list[AllocationIn], Field(max_length=500)]
    rule: Annotated[SingleLine, Field(min_length=1, max_length=40)]
    score: Score


class LineQueued(BaseModel):
    """Leave one line for a person, with ranked suggestions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    line_id: LineId
    suggestions: Annotated[list[SuggestionIn], Field(max_length=20)] = []
    reason: Annotated[SingleLine, Field(max_length=200)] = "no confident match"


class DecideBankLines(Command):
    """Post some lines of a statement as payments and queue others, in one transaction.

    Cash application sends a batch (``manual`` false): lines decided meanwhile are skipped. A
    person applies one queued line (``manual`` true): an applied line is refused.
    """

    DATED_BY = "applied.received_on"

    statement_id: UUID
    applied: Annotated[list[LineApplication], Field(max_length=5_000)] = []
    queued: Annotated[list[LineQueued], Field(max_length=100_000)] = []
    manual: bool = False
    decided_by: Annotated[SingleLine, Field(max_length=400)] = "matcher"
