"""CustomerAccount: terms, credit limit and holds, and the customer's receivables sub-ledger.

The account keeps, consistently on the write side, everything the credit check and cash
application need: each invoice's open amount (so AR balance is their sum), the value of approved
orders not yet invoiced, and every payment with its allocations (so unapplied cash is known).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from o2c.domain.credit import Exposure
from o2c.domain.errors import InvalidInput, NotFound, RuleViolation
from o2c.domain.money import check_amount, validate_currency, zero
from o2c.domain.terms import PaymentTerms
from o2c.events.catalog import topic


@dataclass
class Receivable:
    """One invoice as the account's sub-ledger sees it."""

    invoice_id: UUID
    number: str
    order_id: UUID | None
    total: Decimal
    open: Decimal
    issued_on: date
    due_on: date
    discount_amount: Decimal
    discount_until: date | None
    discount_taken: Decimal


@dataclass
class Allocation:
    """Cash of one payment applied to one invoice, and the discount that came with it."""

    amount: Decimal
    discount: Decimal


@dataclass
class Payment:
    """A payment received on the account and where its cash went."""

    payment_id: UUID
    amount: Decimal
    received_on: date
    method: str
    reference: str
    unapplied: Decimal
    allocations: dict[UUID, Allocation] = field(default_factory=dict)
    reversed: bool = False


@dataclass(frozen=True)
class AllocationRequest:
    """Apply up to ``amount`` (``None`` = as much as the invoice needs) to ``invoice_id``."""

    invoice_id: UUID
    amount: Decimal | None = None


@dataclass(frozen=True)
class PlannedAllocation:
    """An allocation the account recorded; the service applies the same figures to the invoice."""

    invoice_id: UUID
    amount: Decimal
    discount: Decimal


class CustomerAccount(Aggregate):
    """A customer's account: the unit of credit control and cash application."""

    TOPIC = "o2c.CustomerAccount"

    class Event(Aggregate.Event):
        TOPIC = "o2c.CustomerAccount.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "o2c.CustomerAccount.Created"

    # ---- creation -------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        customer_id: UUID,
        name: str,
        currency: str,
        credit_limit: Decimal,
        terms: PaymentTerms,
    ) -> CustomerAccount:
        """Open an account; the credit limit may be zero (every order then needs approval)."""
        currency = validate_currency(currency)
        if not name.strip():
            raise InvalidInput("name must not be empty", code="invalid-name")
        limit = check_amount(credit_limit, currency, field="credit_limit", allow_zero=True)
        return cls._create(
            cls.AccountOpened,  # type: ignore[attr-defined]  # defined by @event
            id=customer_id,
            name=name.strip(),
            currency=currency,
            credit_limit=limit,
            terms=terms.as_dict(),
        )

    @event("AccountOpened", topic=topic("AccountOpened"))
    def __init__(
        self, name: str, currency: str, credit_limit: Decimal, terms: dict[str, Any]
    ) -> None:
        self.name = name
        self.currency = currency
        self.credit_limit = credit_limit
        self.terms = PaymentTerms(**terms)
        self.on_hold = False
        self.hold_reason: str | None = None
        self.closed = False
        self.receivables: dict[UUID, Receivable] = {}
        self.open_orders: dict[UUID, Decimal] = {}
        self.payments: dict[UUID, Payment] = {}

    # ---- derived figures --------------------------------------------------------------------

    @property
    def customer_id(self) -> UUID:
        """The account id is the customer id."""
        return self.id

    @property
    def ar_balance(self) -> Decimal:
        """Sum of the open amounts of the customer's invoices."""
        return sum((r.open for r in self.receivables.values()), zero(self.currency))

    @property
    def open_order_value(self) -> Decimal:
        """Value of approved orders not yet invoiced or cancelled."""
        return sum(self.open_orders.values(), zero(self.currency))

    @property
    def unapplied_cash(self) -> Decimal:
        """Cash received and not (or no longer) applied to an invoice."""
        return sum(
            (p.unapplied for p in self.payments.values() if not p.reversed), zero(self.currency)
        )

    def exposure(self) -> Exposure:
        """The components the credit check decides on."""
        return Exposure(
            credit_limit=self.credit_limit,
            ar_balance=self.ar_balance,
            open_orders=self.open_order_value,
            unapplied_cash=self.unapplied_cash,
            on_hold=self.on_hold,
        )

    def receivables_by_due_date(self) -> list[Receivable]:
        """Open receivables, oldest due date first (then by invoice number)."""
        items = [r for r in self.receivables.values() if r.open > 0]
        return sorted(items, key=lambda r: (r.due_on, r.number))

    def money(
        self, amount: Decimal, field_name: str = "amount", *, allow_zero: bool = False
    ) -> Decimal:
        """Validate an amount in this account's currency."""
        return check_amount(amount, self.currency, field=field_name, allow_zero=allow_zero)

    def ensure_open(self) -> None:
        """Refuse any change to a closed account."""
        if self.closed:
            raise RuleViolation("the account is closed", code="account-closed")

    # ---- credit control ---------------------------------------------------------------------

    def change_credit_limit(self, credit_limit: Decimal, reason: str) -> None:
        """Set a new credit limit; the reason is kept for the auditor."""
        self.ensure_open()
        limit = self.money(credit_limit, "credit_limit", allow_zero=True)
        self._credit_limit_changed(limit, self.credit_limit, reason)

    @event("CreditLimitChanged", topic=topic("CreditLimitChanged"))
    def _credit_limit_changed(self, credit_limit: Decimal, previous: Decimal, reason: str) -> None:
        self.credit_limit = credit_limit

    def place_hold(self, reason: str) -> None:
        """Put the account on credit hold: every new order is held."""
        self.ensure_open()
        if self.on_hold:
            raise RuleViolation("the account is already on credit hold", code="already-on-hold")
        self._hold_placed(reason)

    @event("CreditHoldPlaced", topic=topic("CreditHoldPlaced"))
    def _hold_placed(self, reason: str) -> None:
        self.on_hold = True
        self.hold_reason = reason

    def release_hold(self, reason: str) -> None:
        """Release the credit hold."""
        self.ensure_open()
        if not self.on_hold:
            raise RuleViolation("the account is not on credit hold", code="not-on-hold")
        self._hold_released(reason)

    @event("CreditHoldReleased", topic=topic("CreditHoldReleased"))
    def _hold_released(self, reason: str) -> None:
        self.on_hold = False
        self.hold_reason = None

    def change_terms(self, terms: PaymentTerms) -> None:
        """New terms apply to invoices issued from now on."""
        self.ensure_open()
        self._terms_changed(terms.as_dict())

    @event("PaymentTermsChanged", topic=topic("PaymentTermsChanged"))
    def _terms_changed(self, terms: dict[str, Any]) -> None:
        self.terms = PaymentTerms(**terms)

    def close(self, reason: str) -> None:
        """Close the account; only at zero balance, no unapplied cash and no open orders."""
        self.ensure_open()
        if self.ar_balance != 0 or self.unapplied_cash != 0 or self.open_order_value != 0:
            raise RuleViolation(
                "an account can only be closed at zero balance, without unapplied cash "
                "or open orders",
                code="account-not-settled",
            )
        self._closed(reason)

    @event("AccountClosed", topic=topic("AccountClosed"))
    def _closed(self, reason: str) -> None:
        self.closed = True

    # ---- orders -----------------------------------------------------------------------------

    def commit_order(self, order_id: UUID, amount: Decimal) -> None:
        """An approved order now counts towards exposure."""
        self.ensure_open()
        self._order_committed(order_id, amount)

    @event("OrderCommitted", topic=topic("OrderCommitted"))
    def _order_committed(self, order_id: UUID, amount: Decimal) -> None:
        self.open_orders[order_id] = self.open_orders.get(order_id, zero(self.currency)) + amount

    def release_order(self, order_id: UUID, amount: Decimal, reason: str) -> None:
        """Release open-order exposure (cancelled or invoiced); never below zero."""
        committed = self.open_orders.get(order_id, zero(self.currency))
        amount = min(amount, committed)
        if amount > 0:
            self._order_released(order_id, amount, reason)

    @event("OrderCommitmentReleased", topic=topic("OrderCommitmentReleased"))
    def _order_released(self, order_id: UUID, amount: Decimal, reason: str) -> None:
        remaining = self.open_orders.get(order_id, zero(self.currency)) - amount
        if remaining > 0:
            self.open_orders[order_id] = remaining
        else:
            self.open_orders.pop(order_id, None)

    # ---- receivables ------------------------------------------------------------------------

    def book_invoice(
        self,
        invoice_id: UUID,
        number: str,
        order_id: UUID | None,
        total: Decimal,
        issued_on: date,
        due_on: date,
        discount_amount: Decimal,
        discount_until: date | None,
    ) -> None:
        """Enter a newly issued invoice on the sub-ledger."""
        self.ensure_open()
        if invoice_id in self.receivables:
            raise RuleViolation("invoice already booked", code="invoice-exists")
        self._invoice_booked(
            invoice_id, number, order_id, total, issued_on, due_on, discount_amount, discount_until
        )

    @event("InvoiceBooked", topic=topic("InvoiceBooked"))
    def _invoice_booked(
        self,
        invoice_id: UUID,
        number: str,
        order_id: UUID | None,
        total: Decimal,
        issued_on: date,
        due_on: date,
        discount_amount: Decimal,
        discount_until: date | None,
    ) -> None:
        self.receivables[invoice_id] = Receivable(
            invoice_id,
            number,
            order_id,
            total,
            total,
            issued_on,
            due_on,
            discount_amount,
            discount_until,
            zero(self.currency),
        )

    def receivable(self, invoice_id: UUID) -> Receivable:
        """The sub-ledger entry of one of this customer's invoices."""
        try:
            return self.receivables[invoice_id]
        except KeyError:
            raise NotFound(
                f"invoice {invoice_id} is not on this account", code="invoice-not-found"
            ) from None

    def reduce_receivable(
        self, invoice_id: UUID, amount: Decimal, kind: str, reference_id: UUID
    ) -> None:
        """A credit note or write-off lowered the invoice's open amount."""
        rec = self.receivable(invoice_id)
        if amount > rec.open:
            raise RuleViolation(
                f"{amount} exceeds the open amount {rec.open}", code="amount-exceeds-open"
            )
        self._receivable_reduced(invoice_id, amount, kind, reference_id)

    @event("ReceivableReduced", topic=topic("ReceivableReduced"))
    def _receivable_reduced(
        self, invoice_id: UUID, amount: Decimal, kind: str, reference_id: UUID
    ) -> None:
        self.receivables[invoice_id].open -= amount

    # ---- payments ---------------------------------------------------------------------------

    def receive_payment(
        self, payment_id: UUID, amount: Decimal, received_on: date, method: str, reference: str
    ) -> None:
        """Record cash received; it is unapplied until allocated."""
        self.ensure_open()
        if payment_id in self.payments:
            raise RuleViolation(f"payment {payment_id} already recorded", code="payment-exists")
        self._payment_received(payment_id, self.money(amount), received_on, method, reference)

    @event("PaymentReceived", topic=topic("PaymentReceived"))
    def _payment_received(
        self, payment_id: UUID, amount: Decimal, received_on: date, method: str, reference: str
    ) -> None:
        self.payments[payment_id] = Payment(
            payment_id, amount, received_on, method, reference, unapplied=amount
        )

    def payment(self, payment_id: UUID) -> Payment:
        """A payment of this account."""
        try:
            return self.payments[payment_id]
        except KeyError:
            raise NotFound(f"payment {payment_id} not found", code="payment-not-found") from None

    def allocate(
        self, payment_id: UUID, requests: list[AllocationRequest], allocated_on: date
    ) -> list[PlannedAllocation]:
        """Apply unapplied cash of a payment to invoices, in the order given.

        Each invoice gets at most its open amount; the excess stays unapplied on the account.
        When the payment was received inside an invoice's discount window and pays off the rest
        net of the discount, the discount is taken with it.
        """
        self.ensure_open()
        pay = self.payment(payment_id)
        if pay.reversed:
            raise RuleViolation("the payment was reversed", code="payment-reversed")
        seen: set[UUID] = set()
        planned: list[PlannedAllocation] = []
        for req in requests:
            if req.invoice_id in seen:
                raise InvalidInput(
                    "an invoice may appear once per allocation", code="duplicate-invoice"
                )
            seen.add(req.invoice_id)
            rec = self.receivable(req.invoice_id)
            if req.amount is not None:
                self.money(req.amount, "allocation amount")
            applied, discount = self._plan(rec, pay, req.amount)
            if applied > 0:
                self._payment_allocated(payment_id, rec.invoice_id, applied, discount, allocated_on)
                planned.append(PlannedAllocation(rec.invoice_id, applied, discount))
        return planned

    def _plan(
        self, rec: Receivable, pay: Payment, requested: Decimal | None
    ) -> tuple[Decimal, Decimal]:
        cap = pay.unapplied if requested is None else min(requested, pay.unapplied)
        if (
            rec.discount_until is not None
            and pay.received_on <= rec.discount_until
            and rec.discount_taken == 0
            and rec.discount_amount > 0
        ):
            discount = min(rec.discount_amount, rec.open)
            need = rec.open - discount
            if need > 0 and cap >= need:
                return need, discount
        return min(cap, rec.open), zero(self.currency)

    @event("PaymentAllocated", topic=topic("PaymentAllocated"))
    def _payment_allocated(
        self,
        payment_id: UUID,
        invoice_id: UUID,
        amount: Decimal,
        discount: Decimal,
        allocated_on: date,
    ) -> None:
        pay = self.payments[payment_id]
        pay.unapplied -= amount
        prior = pay.allocations.get(invoice_id)
        if prior is None:
            pay.allocations[invoice_id] = Allocation(amount, discount)
        else:
            prior.amount += amount
            prior.discount += discount
        rec = self.receivables[invoice_id]
        rec.open -= amount + discount
        rec.discount_taken += discount

    def deallocate(
        self, payment_id: UUID, invoice_id: UUID, reason: str, deallocated_on: date
    ) -> Allocation:
        """Undo a payment's allocation to an invoice (and the discount it earned)."""
        self.ensure_open()
        pay = self.payment(payment_id)
        alloc = pay.allocations.get(invoice_id)
        if alloc is None:
            raise RuleViolation(
                "the payment is not allocated to that invoice", code="not-allocated"
            )
        undone = Allocation(alloc.amount, alloc.discount)
        self._payment_deallocated(
            payment_id, invoice_id, undone.amount, undone.discount, reason, deallocated_on
        )
        return undone

    @event("PaymentDeallocated", topic=topic("PaymentDeallocated"))
    def _payment_deallocated(
        self,
        payment_id: UUID,
        invoice_id: UUID,
        amount: Decimal,
        discount: Decimal,
        reason: str,
        deallocated_on: date,
    ) -> None:
        pay = self.payments[payment_id]
        pay.allocations.pop(invoice_id, None)
        pay.unapplied += amount
        rec = self.receivables[invoice_id]
        rec.open += amount + discount
        rec.discount_taken -= discount

    def reverse_payment(
        self, payment_id: UUID, reason: str, reversed_on: date
    ) -> dict[UUID, Allocation]:
        """Reverse a bounced payment: undo each allocation, then remove its cash."""
        self.ensure_open()
        pay = self.payment(payment_id)
        if pay.reversed:
            raise RuleViolation("the payment was already reversed", code="payment-reversed")
        undone = {
            inv: self.deallocate(payment_id, inv, f"payment reversed: {reason}", reversed_on)
            for inv in list(pay.allocations)
        }
        self._payment_reversed(payment_id, pay.amount, reason, reversed_on)
        return undone

    @event("PaymentReversed", topic=topic("PaymentReversed"))
    def _payment_reversed(
        self, payment_id: UUID, amount: Decimal, reason: str, reversed_on: date
    ) -> None:
        pay = self.payments[payment_id]
        pay.reversed = True
        pay.unapplied = zero(self.currency)
