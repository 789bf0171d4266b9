"""Invoice: issued from an order, then paid, discounted, credited, disputed, dunned or written off.

open amount = total − payments applied + payments reversed − credit notes − discounts − write-offs,
and every command keeps 0 ≤ open ≤ total. Reaching zero emits ``InvoiceSettled``.

Every invoice event carries the invoice's resulting ``open_amount`` and ``status`` (since schema
version 2), so a downstream service that keeps only the last event per invoice knows its state.
The figures are still applied from the event's own amounts; the carried state is what the invoice
decided when it recorded the fact.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from o2c.aggregates.copying import CopiesOneLevelDeep
from o2c.domain.cash_application import OpenItem
from o2c.domain.dunning import DunningPolicy
from o2c.domain.errors import InvalidInput, RuleViolation
from o2c.domain.money import check_amount, check_total, round_money, zero
from o2c.domain.promises import Promise
from o2c.domain.tax import (
    LINE_TAX_FIELDS,
    TaxGroup,
    breakdown,
    group_fields,
    group_of,
    group_tax,
    less,
    line_tax_of,
    plus,
    split_gross,
    totals,
)
from o2c.events.catalog import topic

STATUS_OPEN = "open"
STATUS_SETTLED = "settled"
STATUS_WRITTEN_OFF = "written_off"
# The line sku of an invoice imported as an opening balance: the ledger posts it against an
# opening-balance clearing account, not revenue (it was revenue in the system it came from).
OPENING_BALANCE_SKU = "OPENING"


def settled_status(how: str) -> str:
    """The status an invoice settles into: ``written_off`` or ``settled``."""
    return STATUS_WRITTEN_OFF if how == "written_off" else STATUS_SETTLED


_KNOWN_AFTER_V1: dict[str, Callable[[dict[str, Any]], tuple[Decimal, str]]] = {
    "InvoiceIssued": lambda state: (state["total"], STATUS_OPEN),
    "InvoiceSettled": lambda state: (Decimal(0), settled_status(state["how"])),
}


# The tax fields of the events that move an invoice's tax: None on events recorded before taxes
# (and on invoices without tax data, such as imported opening balances).
NO_TAX: dict[str, Any] = {"net_total": None, "tax_total": None, "tax_breakdown": None}


def tax_fields(groups: Sequence[TaxGroup] | None) -> dict[str, Any]:
    """``net_total``, ``tax_total`` and ``tax_breakdown`` of a breakdown, as events carry them."""
    if groups is None:
        return dict(NO_TAX)
    net, tax = totals(groups)
    return {
        "net_total": net,
        "tax_total": tax,
        "tax_breakdown": [group_fields(g) for g in groups],
    }


def groups_in(fields: Sequence[dict[str, Any]] | None) -> tuple[TaxGroup, ...] | None:
    """A breakdown read back from an event (``None``: recorded without tax data)."""
    return None if fields is None else tuple(group_of(f) for f in fields)


@dataclass(frozen=True)
class CreditNotePlan:
    """A credit note worked out before it takes a number: its gross ``amount``, the invoice
    lines it names (or ``None`` for one by amount) and its own breakdown (``None`` on an invoice
    without tax data)."""

    amount: Decimal
    lines: list[dict[str, Any]] | None
    groups: tuple[TaxGroup, ...] | None


def invoice_total(
    lines: Sequence[dict[str, Any]], currency: str
) -> tuple[Decimal, tuple[TaxGroup, ...] | None]:
    """An invoice's total (gross: what the customer owes) and breakdown from its lines.

    Lines that carry a tax category are taxed: grouped by (category, rate), each group's tax
    rounded once. Lines without (an imported opening invoice, an order placed before taxes)
    make an invoice without tax data whose total is the sum of its lines.
    """
    net = check_total(sum((Decimal(ln["amount"]) for ln in lines), zero(currency)), currency)
    if net <= 0:
        raise InvalidInput("an invoice total must be positive", code="invalid-total")
    taxes = [line_tax_of(ln) for ln in lines]
    if not any(taxes):
        return net, None
    if not all(taxes):
        raise InvalidInput("either every line carries its tax or none", code="invalid-tax")
    groups = breakdown(
        ((t, Decimal(ln["amount"])) for t, ln in zip(taxes, lines, strict=True) if t), currency
    )
    return check_total(net + totals(groups)[1], currency), groups


def format_number(number: int) -> str:
    """Human invoice number: ``INV-000001``."""
    return f"INV-{number:06d}"


class Invoice(CopiesOneLevelDeep, Aggregate):
    """A receivable with its full payment, credit, dispute and dunning history."""

    TOPIC = "o2c.Invoice"

    class Event(Aggregate.Event):
        """Base of every invoice event: v2 added the resulting ``open_amount`` and ``status``."""

        TOPIC = "o2c.Invoice.Event"
        class_version = 2

        @classmethod
        def upcast_v1_v2(cls, state: dict[str, Any]) -> None:
            """Add the resulting state v1 did not record, where the event itself tells it (an
            issue, a settlement); elsewhere it reads ``None`` and the publisher fills it from
            the invoice as of that version."""
            known = _KNOWN_AFTER_V1.get(cls.__name__)
            open_amount, status = known(state) if known else (None, None)
            state.update(open_amount=open_amount, status=status)

    class Created(Event, Aggregate.Created):
        TOPIC = "o2c.Invoice.Created"

    class InvoiceIssued(Created):
        """An invoice issued (v3: with the number an imported opening invoice had in the
        system it came from, ``external_reference``; v4: with its tax — lines carrying their
        category and rate, ``net_total``, ``tax_total``, ``tax_breakdown``, ``total`` gross —
        the buyer's ``purchase_order`` and the ``seller`` and ``buyer`` as they were at issue)."""

        TOPIC = topic("InvoiceIssued")
        class_version = 4

        customer_id: UUID
        order_id: UUID | None
        number: str
        currency: str
        lines: list[dict[str, Any]]
        total: Decimal
        issued_on: date
        due_on: date
        discount_percent: Decimal | None
        discount_until: date | None
        discount_amount: Decimal
        open_amount: Decimal | None
        status: str | None
        external_reference: str | None
        net_total: Decimal | None
        tax_total: Decimal | None
        tax_breakdown: list[dict[str, Any]] | None
        purchase_order: str | None
        seller: dict[str, Any] | None
        buyer: dict[str, Any] | None

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            """v2 invoices kept no legacy number."""
            state["external_reference"] = None

        @staticmethod
        def upcast_v3_v4(state: dict[str, Any]) -> None:
            """Invoices issued before taxes have no breakdown (their total is what the customer
            owes, as it was) and named no parties."""
            state.update(NO_TAX, purchase_order=None, seller=None, buyer=None)

    class InvoicePaymentDeallocated(Event):
        """An allocation undone: the payment's cash (and its discount) back off the invoice."""

        TOPIC = topic("InvoicePaymentDeallocated")
        class_version = 1  # born carrying the resulting state

        payment_id: UUID
        amount: Decimal
        discount: Decimal
        reason: str
        deallocated_on: date
        open_amount: Decimal | None
        status: str | None

    class CreditNoteApplied(Event):
        """A credit note lowered the open amount (v3: with its gap-free number and the
        early-payment discount the invoice offers after it, whose base is the total less the
        credit notes; v4: ``amount`` gross, the invoice ``lines`` it credits or ``None`` for one
        by amount, and its own ``net_total``, ``tax_total`` and ``tax_breakdown``)."""

        TOPIC = topic("CreditNoteApplied")
        class_version = 4

        credit_note_id: UUID
        amount: Decimal
        reason: str
        issued_on: date
        open_amount: Decimal | None
        status: str | None
        number: str | None
        discount_amount: Decimal | None
        lines: list[dict[str, Any]] | None
        net_total: Decimal | None
        tax_total: Decimal | None
        tax_breakdown: list[dict[str, Any]] | None

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            """v2 credit notes had no number and left the discount as it was issued (``None``:
            unchanged), which is how they were decided and how the read models show them."""
            state.update(number=None, discount_amount=None)

        @staticmethod
        def upcast_v3_v4(state: dict[str, Any]) -> None:
            """Credit notes recorded before taxes were by amount, without a breakdown."""
            state.update(NO_TAX, lines=None)

    class DiscountTaken(Event):
        """An early-payment discount taken (v3: split across the invoice's tax groups,
        ``net_total``, ``tax_total``, ``tax_breakdown``: its tax part reduces output tax)."""

        TOPIC = topic("DiscountTaken")
        class_version = 3

        payment_id: UUID
        amount: Decimal
        taken_on: date
        open_amount: Decimal | None
        status: str | None
        net_total: Decimal | None
        tax_total: Decimal | None
        tax_breakdown: list[dict[str, Any]] | None

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            """Discounts taken before taxes were not split."""
            state.update(NO_TAX)

    class InvoiceWrittenOff(Event):
        """Bad debt written off (v3: split into net and tax parts per group, and ``tax_relief``:
        whether the tax part is reclaimed, as ``O2C_WRITE_OFF_TAX_RELIEF`` said then)."""

        TOPIC = topic("InvoiceWrittenOff")
        class_version = 3

        write_off_id: UUID
        amount: Decimal
        reason: str
        written_off_on: date
        open_amount: Decimal | None
        status: str | None
        net_total: Decimal | None
        tax_total: Decimal | None
        tax_breakdown: list[dict[str, Any]] | None
        tax_relief: bool

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            """Write-offs recorded before taxes were not split and reclaimed no tax."""
            state.update(NO_TAX, tax_relief=False)

    class PromiseMade(Event):
        """The customer promised to pay ``amount`` by ``promised_on``; dunning waits until
        ``deadline`` (the date plus the grace days)."""

        TOPIC = topic("PromiseMade")
        class_version = 1  # born carrying the resulting state

        promise_id: UUID
        promised_on: date
        deadline: date
        amount: Decimal
        note: str
        made_on: date
        open_amount: Decimal | None
        status: str | None

    class PromiseKept(Event):
        """Cash covering the promise (``paid`` since it was made) arrived by its deadline."""

        TOPIC = topic("PromiseKept")
        class_version = 1

        promise_id: UUID
        kept_on: date
        paid: Decimal
        open_amount: Decimal | None
        status: str | None

    class PromiseBroken(Event):
        """The promise's deadline passed without the cash; recorded on ``broken_on``."""

        TOPIC = topic("PromiseBroken")
        class_version = 1

        promise_id: UUID
        deadline: date
        broken_on: date
        paid: Decimal
        open_amount: Decimal | None
        status: str | None

    class LateChargesInvoiced(Event):
        """Fees up to ``fee_level`` and interest up to ``interest_through`` charged on the
        interest invoice ``charge_invoice_id``."""

        TOPIC = topic("LateChargesInvoiced")
        class_version = 1

        charge_invoice_id: UUID
        fee_level: int
        fees: Decimal
        interest: Decimal
        interest_through: date | None
        open_amount: Decimal | None
        status: str | None

    @classmethod
    def issue(
        cls,
        invoice_id: UUID,
        customer_id: UUID,
        order_id: UUID | None,
        number: str,
        currency: str,
        lines: list[dict[str, Any]],
        issued_on: date,
        due_on: date,
        discount_percent: Decimal | None,
        discount_until: date | None,
        discount_amount: Decimal,
        external_reference: str | None = None,
        *,
        purchase_order: str | None = None,
        seller: dict[str, Any] | None = None,
        buyer: dict[str, Any] | None = None,
    ) -> Invoice:
        """Issue an invoice, its total and breakdown from its lines (``invoice_total``).
        ``external_reference`` is an imported opening invoice's number in the system it came
        from; ``seller`` and ``buyer`` are the parties as they are at issue."""
        total, groups = invoice_total(lines, currency)
        tax = tax_fields(groups)
        return cls._create(
            cls.InvoiceIssued,
            id=invoice_id,
            customer_id=customer_id,
            order_id=order_id,
            number=number,
            currency=currency,
            lines=lines,
            total=total,
            issued_on=issued_on,
            due_on=due_on,
            discount_percent=discount_percent,
            discount_until=discount_until,
            discount_amount=discount_amount,
            open_amount=total,
            status=STATUS_OPEN,
            external_reference=external_reference,
            purchase_order=purchase_order,
            seller=seller,
            buyer=buyer,
            **tax,
        )

    @event(InvoiceIssued)
    def __init__(
        self,
        customer_id: UUID,
        order_id: UUID | None,
        number: str,
        currency: str,
        lines: list[dict[str, Any]],
        total: Decimal,
        issued_on: date,
        due_on: date,
        discount_percent: Decimal | None,
        discount_until: date | None,
        discount_amount: Decimal,
        open_amount: Decimal | None,
        status: str | None,
        external_reference: str | None,
        net_total: Decimal | None,
        tax_total: Decimal | None,
        tax_breakdown: list[dict[str, Any]] | None,
        purchase_order: str | None,
        seller: dict[str, Any] | None,
        buyer: dict[str, Any] | None,
    ) -> None:
        self.customer_id = customer_id
        self.purchase_order = purchase_order
        self.seller = seller
        self.buyer = buyer
        self.net_total = net_total
        self.tax_total = tax_total
        self.tax_breakdown = groups_in(tax_breakdown)
        # What of each group is still owed once credit notes, discounts and write-offs took
        # their parts: corrections by amount are split in proportion to it.
        self.tax_left: tuple[TaxGroup, ...] = self.tax_breakdown or ()
        # Per sku, the quantity credit notes took back; per group, the taxable they took.
        self.credited_quantities: dict[str, int] = {}
        self.line_credited: dict[tuple[str, Decimal], Decimal] = {}
        self.external_reference = external_reference
        self.order_id = order_id
        self.number = number
        self.currency = currency
        self.lines = lines
        self.total = total
        self.issued_on = issued_on
        self.due_on = due_on
        self.discount_percent = discount_percent
        self.discount_until = discount_until
        self.discount_amount = discount_amount
        self.discount_offered = discount_amount  # at issue; credit notes lower discount_amount
        self.open_amount = total
        self.paid = zero(currency)
        self.discount_taken = zero(currency)
        self.credited = zero(currency)
        self.written_off = zero(currency)
        self.disputed = False
        self.dispute_reason: str | None = None
        self.dunning_level = 0
        self.last_reminder_on: date | None = None
        self.status = STATUS_OPEN
        self.payments: dict[UUID, Decimal] = {}
        self.payment_discounts: dict[UUID, Decimal] = {}
        # The tax parts of each payment's discount, put back into ``tax_left`` when the
        # discount is given back (an allocation undone, a payment bounced).
        self.payment_discount_taxes: dict[UUID, tuple[TaxGroup, ...]] = {}
        self.credit_note_ids: set[UUID] = set()
        # A promise to pay still waiting for its cash or its deadline (one at a time).
        self.promise: Promise | None = None
        # Late charges already invoiced: fees up to this dunning level, interest up to this day.
        self.fees_charged_level = 0
        self.interest_charged_through: date | None = None

    # ---- helpers ----------------------------------------------------------------------------

    def _money(self, amount: Decimal, field: str = "amount") -> Decimal:
        return check_amount(amount, self.currency, field=field)

    def open_item(self) -> OpenItem:
        """What cash application needs to know of this invoice."""
        return OpenItem(
            self.id,
            self.number,
            self.due_on,
            self.open_amount,
            self.disputed,
            self.discount_amount,
            self.discount_until,
            self.discount_taken,
        )

    def applied_by(self, payment_id: UUID) -> tuple[Decimal, Decimal]:
        """(cash, discount) a payment has applied to this invoice and not taken back."""
        return (
            self.payments.get(payment_id, zero(self.currency)),
            self.payment_discounts.get(payment_id, zero(self.currency)),
        )

    def _require_open(self) -> None:
        if self.open_amount <= 0:
            raise RuleViolation(
                f"the invoice is {self.status}, nothing is open", code="invoice-not-open"
            )

    def _require_within_open(self, amount: Decimal) -> None:
        if amount > self.open_amount:
            raise RuleViolation(
                f"{amount} exceeds the open amount {self.open_amount}", code="amount-exceeds-open"
            )

    # ---- payments ---------------------------------------------------------------------------

    def apply_payment(
        self,
        payment_id: UUID,
        amount: Decimal,
        discount: Decimal,
        applied_on: date,
        received_on: date,
    ) -> None:
        """Apply cash (and the discount it earned) decided by the account's cash application.

        The discount window is judged by when the cash was received, not when it was applied.
        """
        self._require_open()
        self._money(amount)
        self._require_within_open(amount + discount)
        if discount > 0:
            if self.discount_until is None or received_on > self.discount_until:
                raise RuleViolation("outside the discount window", code="discount-not-allowed")
            if self.discount_taken > 0 or discount > self.discount_amount:
                raise RuleViolation("discount not available", code="discount-not-allowed")
        # Cash after the deadline comes too late for the promise: it was broken first.
        self.check_promise(applied_on)
        self._payment_applied(payment_id, amount, applied_on, *self._after(-amount))
        if discount > 0:
            after = self._after(-discount)
            self._discount_taken(payment_id, discount, applied_on, *after, **self._split(discount))
        promise = self.promise
        if promise is not None and (promise.covered or self.open_amount == 0):
            self._promise_kept(
                promise.promise_id, applied_on, promise.paid, *self._after(Decimal(0))
            )
        self._settle_if_zero(applied_on, "paid")

    def _after(self, change: Decimal, status: str | None = None) -> tuple[Decimal, str]:
        """The open amount and status a fact changing the open amount by ``change`` leaves."""
        return self.open_amount + change, status or self.status

    @event("PaymentApplied", topic=topic("PaymentApplied"))
    def _payment_applied(
        self,
        payment_id: UUID,
        amount: Decimal,
        applied_on: date,
        open_amount: Decimal | None,
        status: str | None,
    ) -> None:
        self.open_amount -= amount
        self.paid += amount
        self.payments[payment_id] = self.payments.get(payment_id, zero(self.currency)) + amount
        if self.promise is not None:
            self.promise = self.promise.with_cash(amount)

    def _split(self, amount: Decimal) -> dict[str, Any]:
        """A gross amount taken off without naming lines, split across what is left of the
        invoice's groups (in proportion to their gross, parts adding up to ``amount``)."""
        if self.tax_breakdown is None:
            return dict(NO_TAX)
        owed = [g for g in self.tax_left if g.gross > 0]
        return tax_fields(split_gross(amount, owed, self.currency))

    def _take_tax(self, tax_breakdown: list[dict[str, Any]] | None) -> None:
        if tax_breakdown is not None:
            self.tax_left = less(self.tax_left, (group_of(f) for f in tax_breakdown))

    @event(DiscountTaken)
    def _discount_taken(
        self,
        payment_id: UUID,
        amount: Decimal,
        taken_on: date,
        open_amount: Decimal | None,
        status: str | None,
        net_total: Decimal | None,
        tax_total: Decimal | None,
        tax_breakdown: list[dict[str, Any]] | None,
    ) -> None:
        self._take_tax(tax_breakdown)
        if tax_breakdown is not None:
            parts = tuple(group_of(f) for f in tax_breakdown)
            self.payment_discount_taxes[payment_id] = plus(
                self.payment_discount_taxes.get(payment_id, ()), parts
            )
        self.open_amount -= amount
        self.discount_taken += amount
        if self.promise is not None:
            self.promise = self.promise.with_cash(amount)
        self.payment_discounts[payment_id] = (
            self.payment_discounts.get(payment_id, zero(self.currency)) + amount
        )

    def reverse_payment(
        self,
        payment_id: UUID,
        amount: Decimal,
        discount: Decimal,
        reason: str,
        on: date,
        *,
        bounced: bool,
    ) -> None:
        """Take a payment and its discount back off the invoice: a bounced payment
        (``InvoicePaymentReversed``) or an allocation undone (``InvoicePaymentDeallocated``),
        two different facts for a downstream reader, the same arithmetic here."""
        applied = self.payments.get(payment_id, zero(self.currency))
        if amount > applied or amount <= 0:
            raise RuleViolation(
                "cannot reverse more than the payment applied", code="reversal-exceeds-applied"
            )
        after = self._after(amount + discount, STATUS_OPEN)
        if bounced:
            self._payment_reversed(payment_id, amount, discount, reason, on, *after)
        else:
            self._payment_deallocated(payment_id, amount, discount, reason, on, *after)

    def _give_back_discount_tax(self, payment_id: UUID, discount: Decimal) -> None:
        """Put the tax parts of a discount given back into what is left of each group: the
        whole recorded split, or (part of the discount) its share of it."""
        recorded = self.payment_discount_taxes.pop(payment_id, ())
        if discount <= 0 or not recorded:
            if recorded:
                self.payment_discount_taxes[payment_id] = recorded
            return
        if discount >= sum((g.gross for g in recorded), Decimal(0)):
            back = recorded
        else:
            back = split_gross(discount, recorded, self.currency)
            self.payment_discount_taxes[payment_id] = less(recorded, back)
        self.tax_left = plus(self.tax_left, back)

    def _give_back(self, payment_id: UUID, amount: Decimal, discount: Decimal) -> None:
        self._give_back_discount_tax(payment_id, discount)
        self.open_amount += amount + discount
        if self.promise is not None:
            self.promise = self.promise.with_cash(-(amount + discount))
        self.paid -= amount
        self.discount_taken -= discount
        remaining = self.payments[payment_id] - amount
        if remaining > 0:
            self.payments[payment_id] = remaining
        else:
            del self.payments[payment_id]
        discount_left = self.payment_discounts.pop(payment_id, zero(self.currency)) - discount
        if discount_left > 0:
            self.payment_discounts[payment_id] = discount_left
        if self.open_amount > 0:
            self.status = STATUS_OPEN

    @event("InvoicePaymentReversed", topic=topic("InvoicePaymentReversed"))
    def _payment_reversed(
        self,
        payment_id: UUID,
        amount: Decimal,
        discount: Decimal,
        reason: str,
        reversed_on: date,
        open_amount: Decimal | None,
        status: str | None,
    ) -> None:
        self._give_back(payment_id, amount, discount)

    @event(InvoicePaymentDeallocated)
    def _payment_deallocated(
        self,
        payment_id: UUID,
        amount: Decimal,
        discount: Decimal,
        reason: str,
        deallocated_on: date,
        open_amount: Decimal | None,
        status: str | None,
    ) -> None:
        self._give_back(payment_id, amount, discount)

    # ---- adjustments ------------------------------------------------------------------------

    def check_credit_note(
        self,
        credit_note_id: UUID,
        amount: Decimal | None,
        lines: Sequence[tuple[str, int]] | None = None,
    ) -> CreditNotePlan:
        """The credit note worked out, once it is known to be allowed (before it takes a
        number): by ``amount`` (gross, split across the invoice's groups) or by ``lines``
        (sku and quantity of invoice lines, each at its line's price and tax)."""
        if credit_note_id in self.credit_note_ids:
            # A retry carrying the same caller-supplied id must not credit twice.
            raise RuleViolation(
                f"credit note {credit_note_id} already exists", code="already-exists"
            )
        self._require_open()
        if (amount is None) == (lines is None):
            raise InvalidInput(
                "a credit note names either an amount or lines", code="invalid-credit-note"
            )
        if lines is not None:
            plan = self._credit_lines(lines)
        else:
            assert amount is not None
            amount = self._money(amount)
            split = self._split(amount)
            plan = CreditNotePlan(amount, None, groups_in(split["tax_breakdown"]))
        self._require_within_open(plan.amount)
        return plan

    def _credit_lines(self, wanted: Sequence[tuple[str, int]]) -> CreditNotePlan:
        """Credited lines at their net; per group, the tax is that of everything the group's
        line credits took so far less what the earlier ones took (so crediting a group in
        parts ends on exactly the group's tax, and no part is ever negative)."""
        if self.tax_breakdown is None:
            raise RuleViolation(
                "the invoice has no tax data: credit it by amount", code="no-tax-data"
            )
        by_sku = {ln["sku"]: ln for ln in self.lines}
        if not wanted or len({sku for sku, _ in wanted}) != len(wanted):
            raise InvalidInput("name each invoice line once", code="invalid-lines")
        lines: list[dict[str, Any]] = []
        for sku, quantity in wanted:
            line = by_sku.get(sku)
            if line is None:
                raise InvalidInput(f"sku {sku!r} is not on the invoice", code="unknown-sku")
            if sum(1 for ln in self.lines if ln["sku"] == sku) > 1:
                # A billing run's invoice may carry one sku from several orders or periods, at
                # different prices: a line credit by sku alone would not say which.
                raise RuleViolation(
                    f"sku {sku!r} is on several lines of the invoice: credit it by amount",
                    code="ambiguous-sku",
                )
            left = line["quantity"] - self.credited_quantities.get(sku, 0)
            if quantity <= 0 or quantity > left:
                raise RuleViolation(
                    f"{quantity} of {sku!r} exceeds the {left} not yet credited",
                    code="credit-exceeds-invoiced",
                )
            net = round_money(Decimal(line["unit_price"]) * quantity, self.currency)
            line_tax = {k: line.get(k) for k in LINE_TAX_FIELDS}
            lines.append(
                {
                    "sku": sku,
                    "quantity": quantity,
                    "unit_price": line["unit_price"],
                    "net": net,
                    **line_tax,
                }
            )
        taxed = [(t, ln["net"]) for ln in lines if (t := line_tax_of(ln)) is not None]
        groups = []
        for g in breakdown(taxed, self.currency):
            before = self.line_credited.get((g.category.value, g.rate), Decimal(0))
            tax = group_tax(before + g.taxable, g.rate, self.currency) - group_tax(
                before, g.rate, self.currency
            )
            groups.append(
                TaxGroup(
                    g.category, g.rate, g.taxable, tax, g.exemption_reason_code, g.exemption_reason
                )
            )
        net, tax = totals(groups)
        return CreditNotePlan(self._money(net + tax), lines, tuple(groups))

    def apply_credit_note(
        self,
        credit_note_id: UUID,
        amount: Decimal | None,
        reason: str,
        issued_on: date,
        *,
        number: str | None = None,
        lines: Sequence[tuple[str, int]] | None = None,
    ) -> CreditNotePlan:
        """Reduce the open amount by a credit note (never below zero); ``number`` is its
        gap-free number, taken by the caller from the credit-note sequence."""
        plan = self.check_credit_note(credit_note_id, amount, lines)
        open_amount, status = self._after(-plan.amount)
        discount = self.discount_on(self.total - self.credited - plan.amount)
        self._credit_note_applied(
            credit_note_id,
            plan.amount,
            reason,
            issued_on,
            open_amount,
            status,
            number,
            discount,
            plan.lines,
            **tax_fields(plan.groups),
        )
        self._settle_if_zero(issued_on, "credited")
        return plan

    def discount_on(self, base: Decimal) -> Decimal:
        """The early-payment discount the invoice offers on ``base`` (its total less its credit
        notes): the terms' percentage of it, or, for an opening invoice imported with a fixed
        discount, that discount in proportion."""
        if self.discount_percent is not None:
            return round_money(base * self.discount_percent / 100, self.currency)
        if self.discount_offered <= 0:
            return self.discount_offered
        return round_money(self.discount_offered * base / self.total, self.currency)

    @event(CreditNoteApplied)
    def _credit_note_applied(
        self,
        credit_note_id: UUID,
        amount: Decimal,
        reason: str,
        issued_on: date,
        open_amount: Decimal | None,
        status: str | None,
        number: str | None,
        discount_amount: Decimal | None,
        lines: list[dict[str, Any]] | None,
        net_total: Decimal | None,
        tax_total: Decimal | None,
        tax_breakdown: list[dict[str, Any]] | None,
    ) -> None:
        self._take_tax(tax_breakdown)
        for line in lines or ():
            sku = line["sku"]
            self.credited_quantities[sku] = self.credited_quantities.get(sku, 0) + line["quantity"]
        if lines is not None and tax_breakdown is not None:
            for g in tax_breakdown:
                key = (g["category"], Decimal(g["rate"]))
                self.line_credited[key] = self.line_credited.get(key, Decimal(0)) + g["taxable"]
        if discount_amount is not None:  # credit notes recorded before v3 left it as issued
            self.discount_amount = discount_amount
        self.open_amount -= amount
        self.credited += amount
        self.credit_note_ids.add(credit_note_id)

    def write_off(
        self,
        write_off_id: UUID,
        amount: Decimal | None,
        reason: str,
        written_off_on: date,
        *,
        tax_relief: bool = True,
    ) -> Decimal:
        """Write off bad debt (default: the whole open amount); returns the amount. Its net
        and tax parts are split across what is left of the invoice's groups; ``tax_relief``
        records whether the tax part is reclaimed (an invoice without tax data reclaims none)."""
        self._require_open()
        value = self.open_amount if amount is None else self._money(amount)
        self._require_within_open(value)
        after = self._after(-value)
        split = self._split(value)
        relief = tax_relief and split["tax_breakdown"] is not None
        self._written_off(
            write_off_id, value, reason, written_off_on, *after, **split, tax_relief=relief
        )
        if self.open_amount == 0:
            self._settled(written_off_on, "written_off")
        return value

    @event(InvoiceWrittenOff)
    def _written_off(
        self,
        write_off_id: UUID,
        amount: Decimal,
        reason: str,
        written_off_on: date,
        open_amount: Decimal | None,
        status: str | None,
        net_total: Decimal | None,
        tax_total: Decimal | None,
        tax_breakdown: list[dict[str, Any]] | None,
        tax_relief: bool,
    ) -> None:
        self._take_tax(tax_breakdown)
        self.open_amount -= amount
        self.written_off += amount

    def _settle_if_zero(self, on: date, how: str) -> None:
        if self.open_amount == 0 and self.status == STATUS_OPEN:
            self._settled(on, how)

    def _settled(self, settled_on: date, how: str) -> None:
        self._invoice_settled(settled_on, how, *self._after(Decimal(0), settled_status(how)))

    @event("InvoiceSettled", topic=topic("InvoiceSettled"))
    def _invoice_settled(
        self, settled_on: date, how: str, open_amount: Decimal | None, status: str | None
    ) -> None:
        self.status = settled_status(how)

    # ---- disputes and dunning ---------------------------------------------------------------

    def dispute(self, reason: str, disputed_on: date) -> None:
        """Mark the invoice disputed: dunning skips it."""
        self._require_open()
        if self.disputed:
            raise RuleViolation("the invoice is already disputed", code="already-disputed")
        self._disputed(reason, disputed_on, *self._after(Decimal(0)))

    @event("InvoiceDisputed", topic=topic("InvoiceDisputed"))
    def _disputed(
        self, reason: str, disputed_on: date, open_amount: Decimal | None, status: str | None
    ) -> None:
        self.disputed = True
        self.dispute_reason = reason

    def resolve_dispute(self, resolution: str, resolved_on: date) -> None:
        """Close the dispute."""
        if not self.disputed:
            raise RuleViolation("the invoice is not disputed", code="not-disputed")
        self._dispute_resolved(resolution, resolved_on, *self._after(Decimal(0)))

    @event("DisputeResolved", topic=topic("DisputeResolved"))
    def _dispute_resolved(
        self, resolution: str, resolved_on: date, open_amount: Decimal | None, status: str | None
    ) -> None:
        self.disputed = False
        self.dispute_reason = None

    def days_past_due(self, as_of: date) -> int:
        """Days past the due date on ``as_of`` (zero or negative while not yet due)."""
        return (as_of - self.due_on).days

    def send_reminder(self, as_of: date, policy: DunningPolicy) -> int | None:
        """Send the next dunning level if due on ``as_of``; returns the level or ``None``.

        Idempotent per date: a level is sent at most once, so a second run sends nothing new.
        """
        if self.open_amount <= 0 or self.disputed:
            return None
        if self.promise is not None:
            # A pending promise holds dunning back; ``check_promise`` records it broken first.
            return None
        if self.last_reminder_on is not None and as_of <= self.last_reminder_on:
            return None
        level = policy.next_level(self.dunning_level, self.days_past_due(as_of))
        if level is not None:
            days = self.days_past_due(as_of)
            self._reminder_sent(level, days, as_of, *self._after(Decimal(0)))
        return level

    @event("ReminderSent", topic=topic("ReminderSent"))
    def _reminder_sent(
        self,
        level: int,
        days_past_due: int,
        as_of: date,
        open_amount: Decimal | None,
        status: str | None,
    ) -> None:
        self.dunning_level = level
        self.last_reminder_on = as_of

    # ---- promises to pay --------------------------------------------------------------------

    def make_promise(
        self,
        promise_id: UUID,
        promised_on: date,
        amount: Decimal | None,
        note: str,
        made_on: date,
        policy: DunningPolicy,
    ) -> Promise:
        """Record the customer's promise to pay ``amount`` (default: all that is open) by
        ``promised_on``: dunning skips the invoice until the deadline (date plus grace)."""
        self._require_open()
        if self.promise is not None:
            raise RuleViolation(
                f"a promise to pay by {self.promise.promised_on} is still pending",
                code="promise-pending",
            )
        if promised_on < made_on:
            raise InvalidInput(
                f"a promise is for a day to come: {promised_on} is before {made_on}",
                code="promise-in-past",
            )
        value = self.open_amount if amount is None else self._money(amount)
        self._require_within_open(value)
        deadline = policy.promise_deadline(promised_on)
        self._promise_made(
            promise_id, promised_on, deadline, value, note, made_on, *self._after(Decimal(0))
        )
        assert self.promise is not None
        return self.promise

    @event(PromiseMade)
    def _promise_made(
        self,
        promise_id: UUID,
        promised_on: date,
        deadline: date,
        amount: Decimal,
        note: str,
        made_on: date,
        open_amount: Decimal | None,
        status: str | None,
    ) -> None:
        self.promise = Promise(
            promise_id, promised_on, deadline, amount, made_on, zero(self.currency)
        )

    def check_promise(self, as_of: date) -> Promise | None:
        """Record the pending promise broken if its deadline passed by ``as_of`` without the
        cash; returns the promise broken, or ``None``."""
        promise = self.promise
        if promise is None or self.open_amount <= 0 or not promise.broken_on(as_of):
            return None
        self._promise_broken(
            promise.promise_id, promise.deadline, as_of, promise.paid, *self._after(Decimal(0))
        )
        return promise

    @event(PromiseKept)
    def _promise_kept(
        self,
        promise_id: UUID,
        kept_on: date,
        paid: Decimal,
        open_amount: Decimal | None,
        status: str | None,
    ) -> None:
        self.promise = None

    @event(PromiseBroken)
    def _promise_broken(
        self,
        promise_id: UUID,
        deadline: date,
        broken_on: date,
        paid: Decimal,
        open_amount: Decimal | None,
        status: str | None,
    ) -> None:
        self.promise = None

    # ---- late charges -----------------------------------------------------------------------

    def record_late_charges(
        self,
        charge_invoice_id: UUID,
        fee_level: int,
        fees: Decimal,
        interest: Decimal,
        interest_through: date | None,
    ) -> None:
        """The invoice's fees (up to ``fee_level``) and interest (up to ``interest_through``)
        were charged on the invoice ``charge_invoice_id``: never charged again."""
        self._late_charges_invoiced(
            charge_invoice_id,
            fee_level,
            fees,
            interest,
            interest_through,
            *self._after(Decimal(0)),
        )

    @event(LateChargesInvoiced)
    def _late_charges_invoiced(
        self,
        charge_invoice_id: UUID,
        fee_level: int,
        fees: Decimal,
        interest: Decimal,
        interest_through: date | None,
        open_amount: Decimal | None,
        status: str | None,
    ) -> None:
        self.fees_charged_level = max(self.fees_charged_level, fee_level)
        if interest_through is not None:
            self.interest_charged_through = interest_through
