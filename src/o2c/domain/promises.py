"""A promise to pay: an amount by a date, kept when cash covering it arrives by the deadline
(the promised date plus the policy's grace days), broken when the deadline passes without it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from uuid import UUID

PENDING, KEPT, BROKEN = "pending", "kept", "broken"


@dataclass(frozen=True)
class Promise:
    """A pending promise on an invoice and the cash applied to the invoice since it was made.

    Immutable: a payment replaces it with one that counts the cash (aggregates copy their state
    one level deep and never mutate a value in place).
    """

    promise_id: UUID
    promised_on: date
    deadline: date
    amount: Decimal
    made_on: date
    paid: Decimal

    def with_cash(self, amount: Decimal) -> Promise:
        """The promise after ``amount`` of cash (negative: given back) reached the invoice;
        never below nothing paid."""
        return replace(self, paid=max(self.paid + amount, Decimal(0)))

    @property
    def covered(self) -> bool:
        """True once the cash applied since the promise covers it."""
        return self.paid >= self.amount

    def holds_dunning_on(self, as_of: date) -> bool:
        """True while dunning waits for the promise (up to its deadline)."""
        return as_of <= self.deadline

    def broken_on(self, as_of: date) -> bool:
        """True when the deadline has passed on ``as_of`` without the cash."""
        return as_of > self.deadline and not self.covered
