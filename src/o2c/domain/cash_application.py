"""Cash application: which open invoices a payment's cash goes to, and how much each gets.

The rules, in one place:
- Without instructions the cash goes to open invoices oldest due date first (then by invoice
  number), skipping disputed ones, until it is used up.
- With explicit allocations the cash goes to the invoices named, in the order given; each invoice
  appears at most once, and the amounts asked for may not add up to more than the cash.
- An invoice never gets more than its open amount: the excess stays unapplied on the account.
- The early-payment discount is taken when the cash was received inside the invoice's discount
  window, the discount was not taken before, and the cash pays off the rest net of the discount.

The planner decides on views of the invoices (``OpenItem``); it changes nothing. The invoices
and the account then record what was planned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from o2c.domain.errors import InvalidInput
from o2c.domain.money import check_amount, zero


@dataclass(frozen=True)
class OpenItem:
    """What cash application needs to know of one invoice."""

    invoice_id: UUID
    number: str
    due_on: date
    open_amount: Decimal
    disputed: bool
    discount_amount: Decimal
    discount_until: date | None
    discount_taken: Decimal

    def discount_for(self, received_on: date | None) -> Decimal:
        """The discount cash received on ``received_on`` may still earn on this invoice."""
        if (
            received_on is None
            or self.discount_until is None
            or received_on > self.discount_until
            or self.discount_taken != 0
            or self.discount_amount <= 0
        ):
            return zero_like(self.open_amount)
        return min(self.discount_amount, self.open_amount)


@dataclass(frozen=True)
class AllocationRequest:
    """Apply up to ``amount`` (``None`` = as much as the invoice needs) to ``invoice_id``."""

    invoice_id: UUID
    amount: Decimal | None = None


@dataclass(frozen=True)
class PlannedAllocation:
    """Cash to apply to one invoice, and the discount that comes with it."""

    invoice_id: UUID
    amount: Decimal
    discount: Decimal


def zero_like(amount: Decimal) -> Decimal:
    """Zero with the exponent of ``amount`` (``0.00`` for cents)."""
    return amount - amount


def share(item: OpenItem, cash: Decimal, received_on: date | None) -> PlannedAllocation:
    """What ``cash`` (already capped by the caller) does to one invoice."""
    discount = item.discount_for(received_on)
    need = item.open_amount - discount
    if discount > 0 and need > 0 and cash >= need:
        return PlannedAllocation(item.invoice_id, need, discount)
    return PlannedAllocation(item.invoice_id, min(cash, item.open_amount), zero_like(cash))


def plan_oldest_first(
    cash: Decimal, received_on: date | None, items: Iterable[OpenItem]
) -> list[PlannedAllocation]:
    """Spread ``cash`` over ``items`` (given oldest due date first), skipping disputed ones.

    ``items`` may be lazy: it is read only until the cash is used up, so a customer with
    thousands of open invoices costs as many invoice loads as the payment settles.
    """
    planned: list[PlannedAllocation] = []
    left = cash
    if left <= 0:
        return planned
    for item in items:
        if item.disputed or item.open_amount <= 0:
            continue
        step = share(item, left, received_on)
        if step.amount > 0:
            planned.append(step)
            left -= step.amount
        if left <= 0:
            break  # before reading (loading) the next invoice
    return planned


def plan_explicit(
    cash: Decimal,
    received_on: date | None,
    requests: Sequence[AllocationRequest],
    item_of: Callable[[UUID], OpenItem],
    currency: str,
) -> list[PlannedAllocation]:
    """Apply ``cash`` to the invoices the caller named, in the order given."""
    requests = _checked(cash, requests, currency)
    planned: list[PlannedAllocation] = []
    left = cash
    for req in requests:
        item = item_of(req.invoice_id)
        cap = left if req.amount is None else min(req.amount, left)
        if cap <= 0 or item.open_amount <= 0:
            continue
        step = share(item, cap, received_on)
        if step.amount > 0:
            planned.append(step)
            left -= step.amount
    return planned


def _checked(
    cash: Decimal, requests: Sequence[AllocationRequest], currency: str
) -> list[AllocationRequest]:
    seen: set[UUID] = set()
    asked = zero(currency)
    checked: list[AllocationRequest] = []
    for req in requests:
        if req.invoice_id in seen:
            raise InvalidInput(
                "an invoice may appear once per allocation", code="duplicate-invoice"
            )
        seen.add(req.invoice_id)
        amount = None
        if req.amount is not None:
            amount = check_amount(req.amount, currency, field="allocation amount")
            asked += amount
        checked.append(AllocationRequest(req.invoice_id, amount))
    if asked > cash:
        # Never silently capped: the caller asked for cash the payment does not have.
        raise InvalidInput(
            f"the allocations add up to {asked}, more than the {cash} available",
            code="allocations-exceed-payment",
        )
    return checked
