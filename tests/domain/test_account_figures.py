"""The customer account's running figures, on aggregates in memory: AR balance, unapplied cash,
open-order value, and the index of open invoices by due date, through booking, allocating,
deallocating, reversing, credit notes and write-offs; and a snapshot that gives back the same
account.

No store. The property test plays the application's part: it issues real invoices in memory and
tells the account what each invoice decided (its open amount after the change), as the command
handlers do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.invoice import Invoice
from o2c.domain.cash_application import share
from o2c.domain.errors import DomainError, InvalidInput
from o2c.domain.terms import PaymentTerms

D = Decimal
JAN = date(2026, 1, 1)


def account(limit: str = "1000.00") -> CustomerAccount:
    return CustomerAccount.open(uuid4(), "Acme", "EUR", D(limit), PaymentTerms(30))


def book(acc: CustomerAccount, total: str, due_in: int, number: str) -> UUID:
    invoice_id = uuid4()
    due = JAN + timedelta(days=due_in)
    acc.book_invoice(invoice_id, number, None, D(total), JAN, due, D(0), None)
    return invoice_id


def state(acc: CustomerAccount) -> dict[str, Any]:
    """Everything the account holds (containers copied), its pending events aside."""
    return {
        k: v.copy() if isinstance(v, dict | set | list) else v
        for k, v in vars(acc).items()
        if k != "_pending_events"
    }


def refused(acc: CustomerAccount, command: Callable[[], object], code: str) -> None:
    """``command`` is refused with ``code`` and leaves the account exactly as it was."""
    before, events = state(acc), len(acc.pending_events)
    with pytest.raises(DomainError) as caught:
        command()
    assert caught.value.code == code
    assert (state(acc), len(acc.pending_events)) == (before, events)


def from_snapshot(acc: CustomerAccount) -> CustomerAccount:
    return CustomerAccount.from_snapshot_state(acc.id, acc.version, acc.snapshot_state())


# ---- opening and credit control -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "currency", "limit", "code"),
    [
        ("Acme", "XXX", "1", "invalid-currency"),
        (" ", "EUR", "1", "invalid-name"),
        ("Acme", "EUR", "1.001", "invalid-amount-precision"),
        ("Acme", "EUR", "-1", "invalid-amount"),
    ],
)
def test_an_account_that_cannot_be_kept_is_not_opened(
    name: str, currency: str, limit: str, code: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        CustomerAccount.open(uuid4(), name, currency, D(limit), PaymentTerms(30))
    assert caught.value.code == code


def test_a_new_account_owes_nothing_and_a_zero_limit_is_allowed() -> None:
    acc = account("0")
    assert (acc.ar_balance, acc.unapplied_cash, acc.open_order_value) == (D(0), D(0), D(0))
    assert acc.exposure().exposure == D(0) and acc.exposure().available == D(0)


def test_holds_are_placed_and_released_once() -> None:
    acc = account()
    acc.place_hold("late payer")
    assert acc.on_hold and acc.exposure().on_hold
    refused(acc, lambda: acc.place_hold("again"), "already-on-hold")
    acc.release_hold("paid up")
    assert not acc.on_hold
    refused(acc, lambda: acc.release_hold("again"), "not-on-hold")


def test_exposure_is_receivables_plus_open_orders_less_unapplied_cash() -> None:
    acc = account()
    book(acc, "300.00", 30, "INV-000001")
    acc.commit_order(uuid4(), D("150.00"))
    acc.receive_payment(uuid4(), D("50.00"), JAN, "bank_transfer", "")
    exposure = acc.exposure()
    assert (exposure.ar_balance, exposure.open_orders, exposure.unapplied_cash) == (
        D("300.00"),
        D("150.00"),
        D("50.00"),
    )
    assert exposure.exposure == D("400.00") and exposure.available == D("600.00")


def test_an_account_closes_only_when_nothing_is_open_and_then_refuses_changes() -> None:
    acc = account()
    order = uuid4()
    acc.commit_order(order, D("10.00"))
    refused(acc, lambda: acc.close("leaving"), "account-not-settled")
    acc.release_order(order, D("10.00"), "cancelled")
    acc.close("leaving")
    refused(acc, lambda: acc.place_hold("t"), "account-closed")
    refused(acc, lambda: acc.receive_payment(uuid4(), D("1.00"), JAN, "cash", ""), "account-closed")


def test_released_order_value_never_goes_below_zero() -> None:
    acc = account()
    order = uuid4()
    acc.commit_order(order, D("100.00"))
    acc.release_order(order, D("30.00"), "partly invoiced")
    assert acc.open_order_value == D("70.00")
    acc.release_order(order, D("500.00"), "cancelled")
    assert (acc.open_order_value, acc.open_orders) == (D(0), {})


# ---- receivables and the open-invoice index -------------------------------------------------


def test_booked_invoices_raise_ar_and_are_indexed_oldest_due_first() -> None:
    acc = account()
    late = book(acc, "100.00", 60, "INV-000001")
    early = book(acc, "50.00", 10, "INV-000002")
    same_day_later_number = book(acc, "25.00", 10, "INV-000003")
    assert acc.ar_balance == D("175.00")
    assert acc.invoices_by_due_date() == [early, same_day_later_number, late]
    assert acc.overdue_invoices(JAN + timedelta(days=11)) == [early, same_day_later_number]
    assert acc.overdue_invoices(JAN + timedelta(days=10)) == []
    refused(
        acc,
        lambda: acc.book_invoice(late, "INV-000001", None, D("1.00"), JAN, JAN, D(0), None),
        "invoice-exists",
    )


def test_allocating_moves_cash_off_the_balance_and_a_settled_invoice_leaves_the_index() -> None:
    acc = account()
    first, second = book(acc, "100.00", 10, "INV-000001"), book(acc, "80.00", 20, "INV-000002")
    payment = uuid4()
    acc.receive_payment(payment, D("150.00"), JAN, "bank_transfer", "")
    assert (acc.unapplied_cash, acc.cash_of(payment).unapplied) == (D("150.00"), D("150.00"))
    acc.allocate(payment, first, D("98.00"), D("2.00"), JAN, D("0.00"))
    assert (acc.ar_balance, acc.unapplied_cash) == (D("80.00"), D("52.00"))
    assert acc.invoices_by_due_date() == [second]
    acc.allocate(payment, second, D("52.00"), D(0), JAN, D("28.00"))
    assert acc.invoices_by_due_date() == [second]  # still open: stays indexed
    assert (acc.unapplied_cash, acc.open_payments) == (D(0), {})  # used up: leaves the account
    refused(
        acc,
        lambda: acc.allocate(payment, second, D("0.01"), D(0), JAN, D("27.99")),
        "amount-exceeds-unapplied",
    )


def test_deallocating_gives_the_cash_back_and_reindexes_the_invoice() -> None:
    acc = account()
    invoice = book(acc, "100.00", 10, "INV-000001")
    payment = uuid4()
    acc.receive_payment(payment, D("100.00"), JAN, "bank_transfer", "")
    acc.allocate(payment, invoice, D("98.00"), D("2.00"), JAN, D("0.00"))
    assert acc.invoices_by_due_date() == [] and acc.open_payments.keys() == {payment}
    due = JAN + timedelta(days=10)
    acc.deallocate(
        payment,
        invoice,
        (D("98.00"), D("2.00")),
        "wrong",
        JAN,
        ("INV-000001", due, D("100.00")),
        JAN,
    )
    assert (acc.ar_balance, acc.unapplied_cash) == (D("100.00"), D("100.00"))
    assert acc.invoices_by_due_date() == [invoice]
    assert acc.cash_of(payment).unapplied == D("100.00")


def test_a_reversed_payment_takes_its_unapplied_cash_away_once() -> None:
    acc = account()
    payment = uuid4()
    acc.receive_payment(payment, D("70.00"), JAN, "cheque", "")
    assert acc.reverse_payment(payment, "bounced", JAN) == D("70.00")
    assert (acc.unapplied_cash, acc.open_payments) == (D(0), {})
    refused(acc, lambda: acc.reverse_payment(payment, "again", JAN), "payment-reversed")
    refused(
        acc,
        lambda: acc.receive_payment(uuid4(), D("0.00"), JAN, "cheque", ""),
        "invalid-amount",
    )


def test_credit_notes_and_write_offs_lower_ar_and_unindex_at_zero() -> None:
    acc = account()
    invoice = book(acc, "100.00", 10, "INV-000001")
    acc.reduce_receivable(invoice, D("30.00"), "credit_note", uuid4(), D("70.00"))
    assert (acc.ar_balance, acc.invoices_by_due_date()) == (D("70.00"), [invoice])
    acc.reduce_receivable(invoice, D("70.00"), "write_off", uuid4(), D("0.00"))
    assert (acc.ar_balance, acc.invoices_by_due_date()) == (D("0.00"), [])


def test_a_snapshot_gives_back_the_same_account() -> None:
    acc = account()
    book(acc, "100.00", 40, "INV-000001")
    book(acc, "60.00", 10, "INV-000002")
    acc.receive_payment(uuid4(), D("25.00"), JAN, "cash", "")
    acc.commit_order(uuid4(), D("12.00"))
    acc.place_hold("review")
    copy = from_snapshot(acc)
    assert state(copy) == state(acc)
    assert (copy.id, copy.version) == (acc.id, acc.version)
    assert copy.invoices_by_due_date() == acc.invoices_by_due_date()
    assert copy.exposure() == acc.exposure()


# ---- any sequence ---------------------------------------------------------------------------

cents = st.integers(1, 30_000).map(lambda n: D(n) / 100)


class Receivables(RuleBasedStateMachine):
    """One account and its invoices in memory, driven the way the command handlers drive them:
    every figure of the account must equal what the invoices and payments say."""

    def __init__(self) -> None:
        super().__init__()
        self.acc = CustomerAccount.open(
            uuid4(), "Acme", "EUR", D("1000"), PaymentTerms(30, D(2), 10)
        )
        self.invoices: list[Invoice] = []
        self.received: dict[UUID, tuple[Decimal, date]] = {}  # cash and date, as received
        self.allocations: dict[tuple[UUID, UUID], tuple[Decimal, Decimal]] = {}
        self.reversed: set[UUID] = set()
        self.orders: dict[UUID, Decimal] = {}
        self.today = JAN

    def _invoice(self, i: int) -> Invoice:
        return self.invoices[i % len(self.invoices)]

    def _payment(self, i: int) -> UUID:
        return list(self.received)[i % len(self.received)]

    @rule(total=cents, days=st.integers(0, 60))
    def issue_and_book(self, total: Decimal, days: int) -> None:
        on = JAN + timedelta(days=days)
        terms = self.acc.terms
        inv = Invoice.issue(
            uuid4(),
            self.acc.id,
            None,
            f"INV-{len(self.invoices) + 1:06d}",
            "EUR",
            [{"sku": "A", "description": "a", "quantity": 1, "unit_price": total, "amount": total}],
            on,
            terms.due_on(on),
            terms.discount_percent,
            terms.discount_until(on),
            (total * D("0.02")).quantize(D("0.01")),
        )
        self.acc.book_invoice(
            inv.id,
            inv.number,
            None,
            inv.total,
            on,
            inv.due_on,
            inv.discount_amount,
            inv.discount_until,
        )
        self.invoices.append(inv)

    @rule(amount=cents, days=st.integers(0, 60))
    def receive(self, amount: Decimal, days: int) -> None:
        # Received up to ``days`` before today: cash is never applied before it arrived.
        payment, on = uuid4(), max(JAN, self.today - timedelta(days=days))
        self.acc.receive_payment(payment, amount, on, "bank_transfer", "")
        self.received[payment] = (amount, on)

    @precondition(lambda self: self.received and self.invoices)
    @rule(i=st.integers(0, 100), j=st.integers(0, 100), cap=st.none() | cents)
    def allocate(self, i: int, j: int, cap: Decimal | None) -> None:
        """What cash application does: cash (and a discount it earned) to one invoice."""
        payment, inv = self._payment(i), self._invoice(j)
        cash = self.acc.cash_of(payment)
        if inv.open_amount <= 0 or cash.unapplied <= 0:
            return
        wanted = cash.unapplied if cap is None else min(cap, cash.unapplied)
        planned = share(inv.open_item(), wanted, cash.received_on)
        inv.apply_payment(
            payment, planned.amount, planned.discount, self.today, cash.received_on or JAN
        )
        self.acc.allocate(
            payment, inv.id, planned.amount, planned.discount, self.today, inv.open_amount
        )
        before = self.allocations.get((payment, inv.id), (D(0), D(0)))
        self.allocations[(payment, inv.id)] = (
            before[0] + planned.amount,
            before[1] + planned.discount,
        )

    def _undo(self, payment: UUID, inv: Invoice) -> None:
        """What deallocation does: the invoice gives back the cash and discount it holds."""
        undone = inv.applied_by(payment)
        inv.reverse_payment(payment, undone[0], undone[1], "t", self.today, bounced=False)
        self.acc.deallocate(
            payment,
            inv.id,
            undone,
            "t",
            self.today,
            (inv.number, inv.due_on, inv.open_amount),
            self.received[payment][1],
        )
        del self.allocations[(payment, inv.id)]

    @precondition(lambda self: self.allocations)
    @rule(k=st.integers(0, 100))
    def deallocate(self, k: int) -> None:
        payment, invoice_id = list(self.allocations)[k % len(self.allocations)]
        self._undo(payment, next(i for i in self.invoices if i.id == invoice_id))

    @precondition(lambda self: self.received)
    @rule(i=st.integers(0, 100))
    def reverse(self, i: int) -> None:
        """A bounced payment: every allocation undone, then its cash leaves the account."""
        payment = self._payment(i)
        for pid, invoice_id in list(self.allocations):
            if pid == payment:
                self._undo(payment, next(i for i in self.invoices if i.id == invoice_id))
        try:
            self.acc.reverse_payment(payment, "bounced", self.today)
        except DomainError as refused:
            assert refused.code == "payment-reversed" and payment in self.reversed
        self.reversed.add(payment)

    @precondition(lambda self: self.invoices)
    @rule(
        j=st.integers(0, 100),
        amount=st.none() | cents,
        kind=st.sampled_from(["credit_note", "write_off"]),
    )
    def reduce(self, j: int, amount: Decimal | None, kind: str) -> None:
        inv = self._invoice(j)
        before = inv.open_amount
        try:
            if kind == "credit_note":
                inv.apply_credit_note(uuid4(), amount or before, "t", self.today)
            else:
                inv.write_off(uuid4(), amount, "t", self.today)
        except DomainError:
            return
        self.acc.reduce_receivable(inv.id, before - inv.open_amount, kind, uuid4(), inv.open_amount)

    @rule(amount=cents, release=st.booleans())
    def orders_come_and_go(self, amount: Decimal, release: bool) -> None:
        if release and self.orders:
            order = next(iter(self.orders))
            self.acc.release_order(order, amount, "invoiced")
            left = self.orders[order] - min(amount, self.orders[order])
            if left:
                self.orders[order] = left
            else:
                del self.orders[order]
        else:
            order = uuid4()
            self.acc.commit_order(order, amount)
            self.orders[order] = amount

    @rule(days=st.integers(1, 20))
    def time_passes(self, days: int) -> None:
        self.today += timedelta(days=days)

    @invariant()
    def ar_is_the_sum_of_what_the_invoices_have_open(self) -> None:
        assert self.acc.ar_balance == sum((i.open_amount for i in self.invoices), D(0))
        still_open = sorted((i.due_on, i.number, i.id) for i in self.invoices if i.open_amount > 0)
        assert self.acc.invoices_by_due_date() == [key[2] for key in still_open]

    @invariant()
    def unapplied_cash_is_what_was_received_and_not_applied(self) -> None:
        left: dict[UUID, Decimal] = {}
        for payment, (amount, _on) in self.received.items():
            applied = sum((c for (p, _), (c, _d) in self.allocations.items() if p == payment), D(0))
            if payment not in self.reversed and amount - applied > 0:
                left[payment] = amount - applied
        assert {p: c.unapplied for p, c in self.acc.open_payments.items()} == left
        assert self.acc.unapplied_cash == sum(left.values(), D(0))

    @invariant()
    def every_payment_event_tells_the_payments_unapplied_cash_after_it(self) -> None:
        """A downstream reader of the payments topic knows each payment's unapplied cash from
        its last event, without adding anything up."""
        told: dict[UUID, Decimal] = {}
        for e in self.acc.pending_events:
            data = vars(e)
            if "payment_id" in data and "unapplied" in data:
                told[data["payment_id"]] = data["unapplied"]
        assert {p: c for p, c in told.items() if c > 0} == {
            p: c.unapplied for p, c in self.acc.open_payments.items()
        }
        assert all(told[p] == 0 for p in self.reversed)

    @invariant()
    def open_orders_are_what_was_committed_and_not_released(self) -> None:
        assert self.acc.open_orders == self.orders
        assert self.acc.open_order_value == sum(self.orders.values(), D(0))

    @invariant()
    def a_snapshot_gives_back_the_same_account(self) -> None:
        copy = from_snapshot(self.acc)
        assert state(copy) == state(self.acc)


TestReceivables = Receivables.TestCase
TestReceivables.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)


@pytest.mark.parametrize("what", ["allocate", "deallocate", "reverse"])
def test_cash_is_never_applied_taken_back_or_bounced_before_it_arrived(what: str) -> None:
    acc = account()
    payment, received = uuid4(), JAN + timedelta(days=10)
    acc.receive_payment(payment, D("50.00"), received, "bank_transfer", "")
    early = received - timedelta(days=1)
    commands = {
        "allocate": lambda: acc.allocate(payment, uuid4(), D("10.00"), D(0), early, D(0)),
        "deallocate": lambda: acc.deallocate(
            payment, uuid4(), (D("10.00"), D(0)), "t", early, ("INV-1", JAN, D(10)), received
        ),
        "reverse": lambda: acc.reverse_payment(payment, "bounced", early),
    }
    refused(acc, commands[what], "date-before-receipt")
