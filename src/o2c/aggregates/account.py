"""CustomerAccount: terms, credit limit and holds, and the running figures credit control needs.

The account is bounded: it keeps only what its own rules still need, however long the customer's
history. That is the running AR balance, unapplied cash and open-order value (the credit check's
inputs), an index of the open invoices by due date (cash application and dunning walk it), the
payments that still have unapplied cash, and the approved orders not yet invoiced. A settled or
written-off invoice and a fully used payment leave the account through the event that settles
them; their facts stay in the log and in the invoice's and the payment's own streams, which a
rule loads when it needs an old item (undoing an old allocation, reversing an old payment).

Which aggregate owns which figure (one owner per amount):
- ``Invoice``: an invoice's total, open amount, payments applied, discount, credits, write-offs.
- ``CustomerAccount``: the customer's AR balance, unapplied cash (per payment and in total) and
  open-order value.
- ``Payment``: which invoices a payment was applied to, and whether it was reversed.
The account's events carry the invoice's resulting open amount as the invoice decided it; the
account uses it only to know when an invoice leaves its index. Every payment event carries the
payment's resulting ``unapplied`` cash (since its v2/v3), for the downstream services that read
the payments topic.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event
from eventsourcing.domain import Snapshot as LibrarySnapshot

from o2c.aggregates.copying import CopiesOneLevelDeep
from o2c.aggregates.explicit_topics import register_nested_topics
from o2c.domain import parties
from o2c.domain.billing_policy import policy_of
from o2c.domain.credit import Exposure
from o2c.domain.errors import InvalidInput, NotFound, RuleViolation
from o2c.domain.money import check_amount, validate_currency, zero
from o2c.domain.terms import PaymentTerms
from o2c.events.catalog import topic


@dataclass(frozen=True)
class OpenInvoice:
    """An open invoice as the account's index knows it: enough to order it by due date."""

    number: str
    due_on: date

    def key(self, invoice_id: UUID) -> tuple[date, str, UUID]:
        """Its place in the due-date order (oldest first, then by number)."""
        return (self.due_on, self.number, invoice_id)


@dataclass(frozen=True)
class OpenPayment:
    """A payment that still has cash to apply."""

    unapplied: Decimal
    received_on: date | None


class CustomerAccount(CopiesOneLevelDeep, Aggregate):
    """A customer's account: the unit of credit control and cash application."""

    TOPIC = "o2c.CustomerAccount"

    class Event(Aggregate.Event):
        TOPIC = "o2c.CustomerAccount.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "o2c.CustomerAccount.Created"

    class PaymentReceived(Event):
        """Cash received (v2: with the payment's unapplied cash, all of it)."""

        TOPIC = topic("PaymentReceived")
        class_version = 2

        payment_id: UUID
        amount: Decimal
        received_on: date
        method: str
        reference: str
        unapplied: Decimal | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """A payment just received has all its cash unapplied."""
            state["unapplied"] = state["amount"]

    class PaymentAllocated(Event):
        """Cash of a payment applied to an invoice (v2: with the invoice's open amount after;
        v3: with the payment's unapplied cash after)."""

        TOPIC = topic("PaymentAllocated")
        class_version = 3

        payment_id: UUID
        invoice_id: UUID
        amount: Decimal
        discount: Decimal
        allocated_on: date
        open_amount: Decimal | None
        unapplied: Decimal | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """v1 did not record the invoice's open amount: unknown, the index keeps it."""
            state["open_amount"] = None

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            """v2 did not record the payment's unapplied cash: the publisher fills it in."""
            state["unapplied"] = None

    class ReceivableReduced(Event):
        """A credit note or write-off lowered an invoice (v2: with its open amount after)."""

        TOPIC = topic("ReceivableReduced")
        class_version = 2

        invoice_id: UUID
        amount: Decimal
        kind: str
        reference_id: UUID
        open_amount: Decimal | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """v1 did not record the invoice's open amount: unknown, the index keeps it."""
            state["open_amount"] = None

    class PaymentDeallocated(Event):
        """An allocation undone (v2: with what the account needs to take the items back; v3:
        with the payment's unapplied cash after)."""

        TOPIC = topic("PaymentDeallocated")
        class_version = 3

        payment_id: UUID
        invoice_id: UUID
        amount: Decimal
        discount: Decimal
        reason: str
        deallocated_on: date
        open_amount: Decimal | None
        number: str | None
        due_on: date | None
        received_on: date | None
        unapplied: Decimal | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """v1 accounts never dropped an item, so nothing needs to be taken back."""
            state.update(open_amount=None, number=None, due_on=None, received_on=None)

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            """v2 did not record the payment's unapplied cash: the publisher fills it in."""
            state["unapplied"] = None

    class PaymentReversed(Event):
        """A bounced payment's cash left the account (v2: with its unapplied cash after, zero)."""

        TOPIC = topic("PaymentReversed")
        class_version = 2

        payment_id: UUID
        amount: Decimal
        reason: str
        reversed_on: date
        unapplied: Decimal | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """A reversed payment has nothing left to apply."""
            state["unapplied"] = Decimal(0)

    class PaymentRefunded(Event):
        """Unapplied cash of a payment paid back to the customer, with the payment's unapplied
        cash after."""

        TOPIC = topic("PaymentRefunded")

        payment_id: UUID
        refund_id: UUID
        amount: Decimal
        refunded_on: date
        reference: str
        unapplied: Decimal | None

    class BankAccountRecorded(Event):
        """A bank account the customer pays from (v2: with its holder's name, if given)."""

        TOPIC = topic("BankAccountRecorded")
        class_version = 2

        iban: str
        holder: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """v1 recorded no holder."""
            state["holder"] = None

    class CustomerDetailsChanged(Event):
        """Party fields that changed, each with its new value (v2: a billing policy is the
        object ``{mode, period, send}``; v1 stored the bare mode, and only ``manual`` existed)."""

        TOPIC = topic("CustomerDetailsChanged")
        class_version = 2

        changes: dict[str, Any]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """A bare mode becomes the policy it meant: that mode, not sent."""
            changes = state["changes"]
            if isinstance(changes.get("billing_policy"), str):
                changes["billing_policy"] = policy_of(changes["billing_policy"]).as_data()

    class Snapshot(LibrarySnapshot):
        """The account's state in a JSON-friendly form (its maps are keyed by UUID)."""

        TOPIC = "o2c.CustomerAccount.Snapshot"

        @classmethod
        def take(cls, aggregate: Any) -> Any:
            """Capture an account at its current version."""
            assert isinstance(aggregate, CustomerAccount)
            return cls(
                originator_id=aggregate.id,
                originator_version=aggregate.version,
                timestamp=cls.create_timestamp(),
                topic=CustomerAccount.TOPIC,
                state=aggregate.snapshot_state(),
            )

        def mutate(self, _: None) -> Any:
            """Rebuild the account as it was when the snapshot was taken."""
            return CustomerAccount.from_snapshot_state(
                self.originator_id, self.originator_version, self.state
            )

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
        self.ar_balance = zero(currency)
        self.unapplied_cash = zero(currency)
        self.open_orders: dict[UUID, Decimal] = {}
        self.open_invoices: dict[UUID, OpenInvoice] = {}
        self.due_order: list[tuple[date, str, UUID]] = []
        self.open_payments: dict[UUID, OpenPayment] = {}
        self.ibans: tuple[str, ...] = ()
        self.held_orders: list[UUID] = []
        # Party details (number, legal name, address, VAT ID, …): JSON-native values, each
        # replaced whole by a change, never mutated in place (see copying.py).
        self.details: dict[str, Any] = {}
        # Who chases this customer's overdue invoices (a name or login; None: nobody yet).
        self.collector: str | None = None

    # ---- snapshots --------------------------------------------------------------------------

    def snapshot_state(self) -> dict[str, Any]:
        """Everything the account keeps, with maps as lists (JSON keys must be strings)."""
        return {
            "created_on": self.created_on,
            "modified_on": self.modified_on,
            "name": self.name,
            "currency": self.currency,
            "credit_limit": self.credit_limit,
            "terms": self.terms.as_dict(),
            "on_hold": self.on_hold,
            "hold_reason": self.hold_reason,
            "closed": self.closed,
            "ar_balance": self.ar_balance,
            "unapplied_cash": self.unapplied_cash,
            "open_orders": [[k, v] for k, v in self.open_orders.items()],
            "open_invoices": [[k, v.number, v.due_on] for k, v in self.open_invoices.items()],
            "open_payments": [
                [k, v.unapplied, v.received_on] for k, v in self.open_payments.items()
            ],
            "ibans": list(self.ibans),
            "held_orders": list(self.held_orders),
            "details": self.details,
            "collector": self.collector,
        }

    @classmethod
    def from_snapshot_state(
        cls, account_id: UUID, version: int, state: dict[str, Any]
    ) -> CustomerAccount:
        """The account a snapshot describes."""
        acc = object.__new__(cls)
        invoices = {k: OpenInvoice(number, due) for k, number, due in state["open_invoices"]}
        object.__setattr__(
            acc,
            "__dict__",
            {
                "_id": account_id,
                "_version": version,
                "_pending_events": [],
                "_created_on": state["created_on"],
                "_modified_on": state["modified_on"],
                "name": state["name"],
                "currency": state["currency"],
                "credit_limit": state["credit_limit"],
                "terms": PaymentTerms(**state["terms"]),
                "on_hold": state["on_hold"],
                "hold_reason": state["hold_reason"],
                "closed": state["closed"],
                "ar_balance": state["ar_balance"],
                "unapplied_cash": state["unapplied_cash"],
                "open_orders": {k: v for k, v in state["open_orders"]},
                "open_invoices": invoices,
                "due_order": sorted(inv.key(k) for k, inv in invoices.items()),
                "open_payments": {
                    k: OpenPayment(unapplied, received)
                    for k, unapplied, received in state["open_payments"]
                },
                # Snapshots taken before bank accounts were recorded have none.
                "ibans": tuple(state.get("ibans", ())),
                # Snapshots taken before held orders were tracked have none.
                "held_orders": list(state.get("held_orders", ())),
                # Snapshots taken before party details were recorded have none.
                "details": dict(state.get("details", {})),
                # Snapshots taken before collectors were assigned have none.
                "collector": state.get("collector"),
            },
        )
        return acc

    # ---- derived figures --------------------------------------------------------------------

    @property
    def customer_id(self) -> UUID:
        """The account id is the customer id."""
        return self.id

    @property
    def open_order_value(self) -> Decimal:
        """Value of approved orders not yet invoiced or cancelled."""
        return sum(self.open_orders.values(), zero(self.currency))

    def exposure(self) -> Exposure:
        """The components the credit check decides on."""
        return Exposure(
            credit_limit=self.credit_limit,
            ar_balance=self.ar_balance,
            open_orders=self.open_order_value,
            unapplied_cash=self.unapplied_cash,
            on_hold=self.on_hold,
        )

    def invoices_by_due_date(self) -> list[UUID]:
        """Ids of the open invoices, oldest due date first (then by invoice number)."""
        return [key[2] for key in self.due_order]

    def overdue_invoices(self, as_of: date) -> list[UUID]:
        """Ids of the open invoices whose due date is before ``as_of``, oldest first."""
        overdue: list[UUID] = []
        for due_on, _number, invoice_id in self.due_order:
            if due_on >= as_of:
                break
            overdue.append(invoice_id)
        return overdue

    def money(
        self, amount: Decimal, field_name: str = "amount", *, allow_zero: bool = False
    ) -> Decimal:
        """Validate an amount in this account's currency."""
        return check_amount(amount, self.currency, field=field_name, allow_zero=allow_zero)

    def ensure_open(self) -> None:
        """Refuse any change to a closed account."""
        if self.closed:
            raise RuleViolation("the account is closed", code="account-closed")

    def require_own(self, customer_id: UUID, invoice_id: UUID) -> None:
        """Refuse an invoice of another customer."""
        if customer_id != self.id:
            raise NotFound(f"invoice {invoice_id} is not on this account", code="invoice-not-found")

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
        # The command that releases the hold re-checks these orders in the same save.
        self.held_orders = []

    def note_order_held_by_hold(self, order_id: UUID, amount: Decimal) -> None:
        """An order was held only because the account is on hold: releasing the hold re-runs
        its credit check (in the order the orders were placed)."""
        self._order_held_by_hold(order_id, amount)

    @event("OrderHeldByAccountHold", topic=topic("OrderHeldByAccountHold"))
    def _order_held_by_hold(self, order_id: UUID, amount: Decimal) -> None:
        self.held_orders.append(order_id)

    def change_terms(self, terms: PaymentTerms) -> None:
        """New terms apply to invoices issued from now on."""
        self.ensure_open()
        self._terms_changed(terms.as_dict())

    @event("PaymentTermsChanged", topic=topic("PaymentTermsChanged"))
    def _terms_changed(self, terms: dict[str, Any]) -> None:
        self.terms = PaymentTerms(**terms)

    def record_bank_account(self, iban: str, holder: str | None = None) -> bool:
        """Remember a bank account the customer pays from (a compact, validated IBAN, which the
        caller checked: the domain keeps no IBAN registry), with its holder's name if given.
        Recording a known one again records nothing and returns False."""
        self.ensure_open()
        if not iban or not iban.isalnum() or iban != iban.upper():
            raise InvalidInput("the IBAN must be given in compact form", code="invalid-iban")
        if iban in self.ibans:
            return False
        self._bank_account_recorded(iban, holder)
        return True

    @event(BankAccountRecorded)
    def _bank_account_recorded(self, iban: str, holder: str | None) -> None:
        self.ibans = (*self.ibans, iban)

    def change_details(self, updates: dict[str, Any], seller_country: str | None) -> dict[str, Any]:
        """Apply party fields (absent: unchanged, None: cleared); records only what changed
        and returns it (nothing changed: nothing recorded). The tax treatment, unless set, is
        derived from the address and ``seller_country``."""
        self.ensure_open()
        changes = parties.customer_details(self.details, updates, seller_country)
        if changes:
            self._details_changed(changes)
        return changes

    @event(CustomerDetailsChanged)
    def _details_changed(self, changes: dict[str, Any]) -> None:
        self.details = {**self.details, **changes}

    # ---- collections -----------------------------------------------------------------------

    def add_note(self, note_id: UUID, text: str, follow_up_on: date | None, noted_on: date) -> None:
        """A collector's note, with the day to follow up if any (the account keeps no notes:
        the read model lists them)."""
        if not text.strip():
            raise InvalidInput("a note needs text", code="invalid-note")
        if follow_up_on is not None and follow_up_on < noted_on:
            raise InvalidInput(
                f"a follow-up is for a day to come: {follow_up_on} is before {noted_on}",
                code="follow-up-in-past",
            )
        self._note_added(note_id, text, follow_up_on, noted_on)

    @event("NoteAdded", topic=topic("NoteAdded"))
    def _note_added(
        self, note_id: UUID, text: str, follow_up_on: date | None, noted_on: date
    ) -> None:
        pass

    def assign_collector(self, collector: str | None) -> bool:
        """Assign the collector (``None``: nobody); records nothing when unchanged."""
        collector = collector.strip() if collector else None
        if collector == self.collector:
            return False
        self._collector_assigned(collector or None, self.collector)
        return True

    @event("CollectorAssigned", topic=topic("CollectorAssigned"))
    def _collector_assigned(self, collector: str | None, previous: str | None) -> None:
        self.collector = collector

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
        if order_id in self.held_orders:  # approved by a credit manager while on hold
            self.held_orders.remove(order_id)

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

    # ---- the open-invoice index -------------------------------------------------------------

    def _index(self, invoice_id: UUID, item: OpenInvoice) -> None:
        if invoice_id not in self.open_invoices:
            self.open_invoices[invoice_id] = item
            insort(self.due_order, item.key(invoice_id))

    def _unindex(self, invoice_id: UUID) -> None:
        item = self.open_invoices.pop(invoice_id, None)
        if item is not None:
            key = item.key(invoice_id)
            del self.due_order[bisect_left(self.due_order, key)]

    def _follow(self, invoice_id: UUID, open_amount: Decimal | None) -> None:
        # ``None`` comes from events written before the account was bounded: unknown, kept.
        if open_amount is not None and open_amount <= 0:
            self._unindex(invoice_id)

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
        """Enter a newly issued invoice on the account."""
        self.ensure_open()
        if invoice_id in self.open_invoices:
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
        self.ar_balance += total
        self._index(invoice_id, OpenInvoice(number, due_on))

    def reduce_receivable(
        self,
        invoice_id: UUID,
        amount: Decimal,
        kind: str,
        reference_id: UUID,
        open_amount: Decimal,
    ) -> None:
        """A credit note or write-off lowered the invoice to ``open_amount``."""
        self._receivable_reduced(invoice_id, amount, kind, reference_id, open_amount)

    @event(ReceivableReduced)
    def _receivable_reduced(
        self,
        invoice_id: UUID,
        amount: Decimal,
        kind: str,
        reference_id: UUID,
        open_amount: Decimal | None,
    ) -> None:
        self.ar_balance -= amount
        self._follow(invoice_id, open_amount)

    # ---- payments ---------------------------------------------------------------------------

    def receive_payment(
        self, payment_id: UUID, amount: Decimal, received_on: date, method: str, reference: str
    ) -> None:
        """Record cash received; it is unapplied until allocated."""
        self.ensure_open()
        if payment_id in self.open_payments:
            raise RuleViolation(f"payment {payment_id} already recorded", code="payment-exists")
        cash = self.money(amount)
        self._payment_received(payment_id, cash, received_on, method, reference, cash)

    @event(PaymentReceived)
    def _payment_received(
        self,
        payment_id: UUID,
        amount: Decimal,
        received_on: date,
        method: str,
        reference: str,
        unapplied: Decimal | None,
    ) -> None:
        self.unapplied_cash += amount
        self.open_payments[payment_id] = OpenPayment(amount, received_on)

    @staticmethod
    def _not_before_receipt(received_on: date | None, on: date) -> None:
        # Cash cannot be applied, taken back or bounce before it arrived: the books as of any
        # date would show unapplied cash (or a bank balance) that did not exist then.
        if received_on is not None and on < received_on:
            raise InvalidInput(
                f"dated {on}, before the payment was received on {received_on}",
                code="date-before-receipt",
            )

    def cash_of(self, payment_id: UUID) -> OpenPayment:
        """The payment's cash still to apply (zero once it is all applied)."""
        return self.open_payments.get(payment_id, OpenPayment(zero(self.currency), None))

    def allocate(
        self,
        payment_id: UUID,
        invoice_id: UUID,
        amount: Decimal,
        discount: Decimal,
        allocated_on: date,
        open_amount: Decimal,
    ) -> None:
        """Record cash applied to an invoice, which is left with ``open_amount``."""
        self.ensure_open()
        self._not_before_receipt(self.cash_of(payment_id).received_on, allocated_on)
        if amount > self.cash_of(payment_id).unapplied:
            raise RuleViolation(
                "the payment has not that much unapplied cash", code="amount-exceeds-unapplied"
            )
        left = self.cash_of(payment_id).unapplied - amount
        self._payment_allocated(
            payment_id, invoice_id, amount, discount, allocated_on, open_amount, left
        )

    @event(PaymentAllocated)
    def _payment_allocated(
        self,
        payment_id: UUID,
        invoice_id: UUID,
        amount: Decimal,
        discount: Decimal,
        allocated_on: date,
        open_amount: Decimal | None,
        unapplied: Decimal | None,
    ) -> None:
        self._take_cash(payment_id, amount)
        self.ar_balance -= amount + discount
        self._follow(invoice_id, open_amount)

    def _take_cash(self, payment_id: UUID, amount: Decimal) -> None:
        self.unapplied_cash -= amount
        cash = self.cash_of(payment_id)
        left = cash.unapplied - amount
        if left > 0:
            self.open_payments[payment_id] = OpenPayment(left, cash.received_on)
        else:
            self.open_payments.pop(payment_id, None)

    def deallocate(
        self,
        payment_id: UUID,
        invoice_id: UUID,
        undone: tuple[Decimal, Decimal],
        reason: str,
        deallocated_on: date,
        invoice: tuple[str, date, Decimal],
        received_on: date | None,
    ) -> None:
        """Record an allocation undone: ``undone`` is (cash, discount) the invoice gave back,
        ``invoice`` its (number, due date, open amount after)."""
        self.ensure_open()
        self._not_before_receipt(received_on, deallocated_on)
        number, due_on, open_amount = invoice
        self._payment_deallocated(
            payment_id,
            invoice_id,
            undone[0],
            undone[1],
            reason,
            deallocated_on,
            open_amount,
            number,
            due_on,
            received_on,
            self.cash_of(payment_id).unapplied + undone[0],
        )

    @event(PaymentDeallocated)
    def _payment_deallocated(
        self,
        payment_id: UUID,
        invoice_id: UUID,
        amount: Decimal,
        discount: Decimal,
        reason: str,
        deallocated_on: date,
        open_amount: Decimal | None,
        number: str | None,
        due_on: date | None,
        received_on: date | None,
        unapplied: Decimal | None,
    ) -> None:
        cash = self.open_payments.get(payment_id)
        if cash is None:
            cash = OpenPayment(zero(self.currency), received_on)
        self.open_payments[payment_id] = OpenPayment(cash.unapplied + amount, cash.received_on)
        self.unapplied_cash += amount
        self.ar_balance += amount + discount
        if number is not None and due_on is not None and (open_amount or 0) > 0:
            self._index(invoice_id, OpenInvoice(number, due_on))

    def reverse_payment(self, payment_id: UUID, reason: str, reversed_on: date) -> Decimal:
        """Remove a bounced payment's cash (its allocations are undone first); returns it."""
        self.ensure_open()
        self._not_before_receipt(self.cash_of(payment_id).received_on, reversed_on)
        cash = self.cash_of(payment_id).unapplied
        if cash <= 0:
            raise RuleViolation("the payment has no cash left to reverse", code="payment-reversed")
        self._payment_reversed(payment_id, cash, reason, reversed_on, zero(self.currency))
        return cash

    @event(PaymentReversed)
    def _payment_reversed(
        self,
        payment_id: UUID,
        amount: Decimal,
        reason: str,
        reversed_on: date,
        unapplied: Decimal | None,
    ) -> None:
        cash = self.open_payments.pop(payment_id, None)
        if cash is not None:
            self.unapplied_cash -= cash.unapplied

    def refund(
        self, payment_id: UUID, refund_id: UUID, amount: Decimal, refunded_on: date, reference: str
    ) -> Decimal:
        """Pay ``amount`` of a payment's unapplied cash back; returns what is left unapplied."""
        self.ensure_open()
        cash = self.cash_of(payment_id)
        self._not_before_receipt(cash.received_on, refunded_on)
        amount = self.money(amount)
        if amount > cash.unapplied:
            raise RuleViolation(
                f"{amount} exceeds the payment's unapplied cash {cash.unapplied}",
                code="amount-exceeds-unapplied",
            )
        left = cash.unapplied - amount
        self._payment_refunded(payment_id, refund_id, amount, refunded_on, reference, left)
        return left

    @event(PaymentRefunded)
    def _payment_refunded(
        self,
        payment_id: UUID,
        refund_id: UUID,
        amount: Decimal,
        refunded_on: date,
        reference: str,
        unapplied: Decimal | None,
    ) -> None:
        self._take_cash(payment_id, amount)


# The snapshot's topic must resolve in a process that never wrote one (a restart, a second
# instance, the CLI): the library registers nested event classes only.
register_nested_topics(CustomerAccount)
