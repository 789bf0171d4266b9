"""What the bank matcher reads (open invoices, known payers, a receipt) and what it decides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID


@dataclass(frozen=True)
class OpenInvoiceRef:
    """One open invoice as the matcher needs to know it."""

    invoice_id: UUID
    customer_id: UUID
    number: str
    open_amount: Decimal
    currency: str
    due_on: date
    discount_amount: Decimal
    discount_until: date | None
    disputed: bool

    def discount_on(self, booked_on: date) -> Decimal:
        """The early-payment discount a payment booked on ``booked_on`` may take (else zero)."""
        if (
            self.discount_until is None
            or booked_on > self.discount_until
            or self.discount_amount <= 0
        ):
            return self.open_amount - self.open_amount
        return min(self.discount_amount, self.open_amount)


@dataclass(frozen=True)
class KnownPayer:
    """A customer with the bank accounts (IBANs) it is known to pay from."""

    customer_id: UUID
    name: str
    ibans: tuple[str, ...]
    currency: str


@dataclass(frozen=True)
class Receipt:
    """One incoming bank line (a credit), as the matcher sees it."""

    amount: Decimal
    currency: str
    booked_on: date
    remittance: str
    payer_name: str | None
    payer_iban: str | None


@dataclass(frozen=True)
class Allocation:
    """Cash applied to one invoice (``amount``) and the early-payment discount taken with it."""

    invoice_id: UUID
    amount: Decimal
    discount: Decimal


@dataclass(frozen=True)
class Suggestion:
    """A candidate for a person to confirm: these invoices of this customer (none = on account)."""

    customer_id: UUID
    invoice_ids: tuple[UUID, ...]
    score: float


@dataclass(frozen=True)
class Match:
    """A confident application: which rule decided it and how sure it is (0..1).

    Empty ``allocations`` means the cash stays unapplied on the customer's account.
    """

    rule: str
    score: float
    customer_id: UUID
    allocations: tuple[Allocation, ...]


@dataclass(frozen=True)
class Decision:
    """A match to post, or none (the exception queue) with ranked suggestions, best first."""

    match: Match | None
    suggestions: tuple[Suggestion, ...]
