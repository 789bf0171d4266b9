"""What the statement of account and the reminder letter state, and who sends them.

The invoice and credit note are rendered from ``o2c.einvoice.EInvoiceDocument``; these are the
two letters that have no e-invoice: facts only (``Decimal`` amounts in the letter's currency,
``date`` dates), checked to add up when built, never formatted here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from o2c.domain.errors import InvalidInput
from o2c.einvoice import Party, PaymentInstructions

MAX_LOGO_BYTES = 200 * 1024


class LogoFormat(StrEnum):
    """The image formats a logo may have."""

    PNG = "png"
    SVG = "svg"


@dataclass(frozen=True)
class Logo:
    """The seller's logo as uploaded: PNG or SVG bytes (at most 200 KB)."""

    data: bytes
    format: LogoFormat

    def __post_init__(self) -> None:
        if not self.data or len(self.data) > MAX_LOGO_BYTES:
            raise InvalidInput("a logo is 1 byte to 200 KB", code="invalid-logo")
        if self.format is LogoFormat.PNG and not self.data.startswith(b"\x89PNG\r\n\x1a\n"):
            raise InvalidInput("the logo is not a PNG image", code="invalid-logo")


@dataclass(frozen=True)
class Letterhead:
    """Who sends a letter: the seller as recorded, where to pay, and the logo."""

    seller: Party
    payment: PaymentInstructions | None = None
    logo: Logo | None = None


@dataclass(frozen=True)
class StatementLine:
    """One booking on the customer's account; ``balance`` is the running balance after it.

    ``kind`` is ``invoice``, ``credit_note``, ``payment``, ``refund``, ``adjustment``,
    ``write_off``, ``fee`` or ``interest`` (shown in the customer's language); any other kind is
    shown as written.
    """

    booked_on: date
    kind: str
    reference: str
    debit: Decimal
    credit: Decimal
    balance: Decimal


@dataclass(frozen=True)
class StatementOfAccount:
    """A customer's account over a period: opening balance, bookings, closing balance.

    A positive balance is owed by the customer. Each line's running balance must follow from
    the previous one (debit adds, credit subtracts) and the closing balance from the last.
    """

    letterhead: Letterhead
    customer: Party
    currency: str
    period_start: date
    period_end: date
    issue_date: date
    opening_balance: Decimal
    lines: tuple[StatementLine, ...]
    closing_balance: Decimal
    customer_number: str | None = None

    def __post_init__(self) -> None:
        if self.period_end < self.period_start:
            raise InvalidInput(
                "the statement's period ends before it starts", code="invalid-period"
            )
        balance = self.opening_balance
        for line in self.lines:
            balance += line.debit - line.credit
            if line.balance != balance:
                raise InvalidInput(
                    f"statement line {line.reference}: running balance {line.balance} "
                    f"is not {balance}",
                    code="statement-unbalanced",
                )
        if balance != self.closing_balance:
            raise InvalidInput(
                f"closing balance {self.closing_balance} is not {balance}",
                code="statement-unbalanced",
            )


@dataclass(frozen=True)
class OverdueInvoice:
    """An invoice a reminder asks the customer to pay."""

    number: str
    due_date: date
    open_amount: Decimal
    days_past_due: int
    issue_date: date | None = None


@dataclass(frozen=True)
class ReminderLetter:
    """A reminder of one dunning level: the overdue invoices, fee and interest, the level's text.

    ``text`` is the level's configured wording (paragraphs separated by blank lines), shown
    as written; the total due is the open amounts plus fee and interest.
    """

    letterhead: Letterhead
    customer: Party
    currency: str
    level: int
    issue_date: date
    text: str
    invoices: tuple[OverdueInvoice, ...]
    fee: Decimal | None = None
    interest: Decimal | None = None
    pay_by: date | None = None
    customer_number: str | None = None

    def __post_init__(self) -> None:
        if self.level < 1:
            raise InvalidInput("a dunning level is 1 or more", code="invalid-dunning-level")
        if not self.invoices:
            raise InvalidInput("a reminder names at least one invoice", code="invalid-reminder")

    @property
    def total_due(self) -> Decimal:
        """The open amounts plus fee and interest."""
        charges = (self.fee or Decimal(0)) + (self.interest or Decimal(0))
        return sum((invoice.open_amount for invoice in self.invoices), charges)
