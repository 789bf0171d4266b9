"""The neutral, immutable bank statement that every supported file format is read into.

Amounts are signed ``Decimal``s in the currency's minor units: positive is money received
(a credit to our account), negative money paid out. Cash application only looks at credits, but
debits are kept so that no booked line of a file is ever silently dropped.

Where a line sits in its file (``source_line``) is provenance, not content: two reads of the same
payments from different formats compare equal although their line numbers differ.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from o2c.bank.iban import valid_iban

_CURRENCY_CODE = re.compile(r"[A-Z]{3}")


@dataclass(frozen=True, slots=True)
class BankLine:
    """One booked entry of a statement, as the bank reported it.

    ``payer_name`` and ``payer_iban`` name the counterparty: the payer of a credit, the payee of
    a debit; ``payer_iban`` is a compact, checksum-valid IBAN or None (absent, or a domestic
    account number). ``remittance`` is the payer's free text with any structured references
    appended, whitespace collapsed, ``""`` when there is none. ``line_id`` is the bank's own
    reference for the entry or a digest (see ``o2c.bank.identity``).
    """

    line_id: str
    booked_on: date
    amount: Decimal
    currency: str
    credit: bool
    bank_reference: str | None
    remittance: str
    payer_name: str | None
    payer_iban: str | None
    end_to_end_id: str | None
    source_line: int = field(compare=False)

    def __post_init__(self) -> None:
        if not self.line_id:
            raise ValueError("a bank line needs an id")
        if not _CURRENCY_CODE.fullmatch(self.currency):
            raise ValueError(f"currency {self.currency!r} is not an ISO-4217 code")
        if (self.amount > 0 and not self.credit) or (self.amount < 0 and self.credit):
            raise ValueError(f"line {self.line_id}: amount {self.amount} contradicts credit flag")
        if self.source_line < 1:
            raise ValueError("source_line is 1-based")


@dataclass(frozen=True, slots=True)
class BankStatement:
    """One account's statement for a period, with its lines in file order.

    ``statement_id`` is the file's own identification of the statement (see each format reader
    for how it is composed) or, failing that, a digest of the statement's text; together with
    ``account_id`` it recognises a file that is imported a second time.
    """

    statement_id: str
    account_id: str
    currency: str
    created_on: date | None
    period_start: date
    period_end: date
    lines: tuple[BankLine, ...]

    def __post_init__(self) -> None:
        if not self.statement_id or not self.account_id:
            raise ValueError("a statement needs an id and an account")
        if not _CURRENCY_CODE.fullmatch(self.currency):
            raise ValueError(f"currency {self.currency!r} is not an ISO-4217 code")
        if self.period_start > self.period_end:
            raise ValueError("statement period ends before it starts")
        ids = [line.line_id for line in self.lines]
        if len(set(ids)) != len(ids):
            raise ValueError("line ids of a statement must be unique")

    @property
    def account_iban(self) -> str | None:
        """The account as a compact IBAN, or None when the bank gave a domestic number."""
        return valid_iban(self.account_id)

    @property
    def credits(self) -> tuple[BankLine, ...]:
        """The lines that bring money in: the ones cash application works on."""
        return tuple(line for line in self.lines if line.credit)
