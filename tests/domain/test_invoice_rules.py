"""Invoice rules on an invoice in memory: payments, the early-payment discount, credit notes,
write-offs, disputes, reminders and dunning levels, and reversals that give the discount back.

No store: each test issues an invoice, runs the invoice's own methods and reads its state and the
events it has pending, which are exactly what a command would save. A refused command changes
nothing and records nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from o2c.aggregates.invoice import STATUS_OPEN, STATUS_SETTLED, STATUS_WRITTEN_OFF, Invoice
from o2c.domain.dunning import DunningPolicy
from o2c.domain.errors import DomainError, InvalidInput

D = Decimal
JAN = date(2026, 1, 1)
DUE = JAN + timedelta(days=30)
WINDOW = JAN + timedelta(days=10)
POLICY = DunningPolicy((1, 15, 30))


def invoice(total: str = "100.00", *, discount: str | None = "2.00") -> Invoice:
    """Issued on 1 January, due in 30 days; 2 % off (``discount``) until 11 January or none."""
    amount = D(total)
    line = {"sku": "A", "description": "a", "quantity": 1, "unit_price": amount, "amount": amount}
    return Invoice.issue(
        uuid4(),
        uuid4(),
        None,
        "INV-000001",
        "EUR",
        [line],
        JAN,
        DUE,
        None if discount is None else D(2),
        None if discount is None else WINDOW,
        D(discount or "0.00"),
    )


def recorded(inv: Invoice, command: Callable[[], object]) -> list[str]:
    """The events ``command`` added to the invoice's pending events."""
    before = len(inv.pending_events)
    command()
    return [type(e).__name__ for e in inv.pending_events[before:]]


def state(inv: Invoice) -> dict[str, Any]:
    """Everything the invoice holds (containers copied), its pending events aside."""
    return {
        k: v.copy() if isinstance(v, dict | set | list) else v
        for k, v in vars(inv).items()
        if k != "_pending_events"
    }


def refused(inv: Invoice, command: Callable[[], object], code: str) -> None:
    """``command`` is refused with ``code`` and leaves the invoice exactly as it was."""
    before, events = state(inv), len(inv.pending_events)
    with pytest.raises(DomainError) as caught:
        command()
    assert caught.value.code == code
    assert state(inv) == before
    assert len(inv.pending_events) == events


def replayed(inv: Invoice) -> Invoice:
    """The invoice rebuilt from the events it recorded."""
    rebuilt: Any = None
    for e in inv.pending_events:
        rebuilt = e.mutate(rebuilt)
    assert isinstance(rebuilt, Invoice)
    return rebuilt


# ---- issuing --------------------------------------------------------------------------------


def test_the_total_is_the_sum_of_the_lines_and_all_of_it_is_open() -> None:
    inv = invoice("100.00")
    assert (inv.total, inv.open_amount, inv.status) == (D("100.00"), D("100.00"), STATUS_OPEN)
    assert [type(e).__name__ for e in inv.pending_events] == ["InvoiceIssued"]


def test_an_invoice_for_nothing_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        invoice("0.00")
    assert caught.value.code == "invalid-total"


# ---- payments -------------------------------------------------------------------------------


def test_payments_lower_the_open_amount_and_the_last_one_settles_it() -> None:
    inv, payment = invoice(discount=None), uuid4()
    assert recorded(inv, lambda: inv.apply_payment(payment, D("40.00"), D(0), JAN, JAN)) == [
        "PaymentApplied"
    ]
    assert (inv.open_amount, inv.paid, inv.status) == (D("60.00"), D("40.00"), STATUS_OPEN)
    assert recorded(inv, lambda: inv.apply_payment(payment, D("60.00"), D(0), JAN, JAN)) == [
        "PaymentApplied",
        "InvoiceSettled",
    ]
    assert (inv.open_amount, inv.status) == (D("0.00"), STATUS_SETTLED)
    assert inv.applied_by(payment) == (D("100.00"), D("0.00"))


def test_a_payment_never_takes_more_than_the_open_amount() -> None:
    inv = invoice(discount=None)
    refused(
        inv, lambda: inv.apply_payment(uuid4(), D("100.01"), D(0), JAN, JAN), "amount-exceeds-open"
    )


def test_a_settled_invoice_takes_no_more_cash() -> None:
    inv = invoice(discount=None)
    inv.apply_payment(uuid4(), D("100.00"), D(0), JAN, JAN)
    refused(inv, lambda: inv.apply_payment(uuid4(), D("0.01"), D(0), JAN, JAN), "invoice-not-open")


def test_cash_with_more_decimals_than_the_currency_is_refused() -> None:
    inv = invoice(discount=None)
    refused(
        inv,
        lambda: inv.apply_payment(uuid4(), D("1.001"), D(0), JAN, JAN),
        "invalid-amount-precision",
    )


# ---- the early-payment discount -------------------------------------------------------------


def test_cash_received_inside_the_window_takes_the_discount_and_settles() -> None:
    inv, payment = invoice(), uuid4()
    events = recorded(inv, lambda: inv.apply_payment(payment, D("98.00"), D("2.00"), JAN, WINDOW))
    assert events == ["PaymentApplied", "DiscountTaken", "InvoiceSettled"]
    assert (inv.paid, inv.discount_taken, inv.open_amount) == (D("98.00"), D("2.00"), D("0.00"))
    assert inv.applied_by(payment) == (D("98.00"), D("2.00"))


def test_the_window_is_judged_by_when_the_cash_was_received_not_applied() -> None:
    applied_late = invoice()
    applied_late.apply_payment(uuid4(), D("98.00"), D("2.00"), WINDOW + timedelta(30), WINDOW)
    assert applied_late.discount_taken == D("2.00")
    received_late = invoice()
    day_after = WINDOW + timedelta(days=1)
    refused(
        received_late,
        lambda: received_late.apply_payment(uuid4(), D("98.00"), D("2.00"), JAN, day_after),
        "discount-not-allowed",
    )


@pytest.mark.parametrize(
    ("discount_terms", "asked", "code"),
    [
        (None, "2.00", "discount-not-allowed"),  # no discount on these terms
        ("2.00", "2.01", "discount-not-allowed"),  # more than the terms give
    ],
)
def test_a_discount_the_terms_do_not_give_is_refused(
    discount_terms: str | None, asked: str, code: str
) -> None:
    inv = invoice(discount=discount_terms)
    refused(inv, lambda: inv.apply_payment(uuid4(), D("50.00"), D(asked), JAN, JAN), code)


def test_the_discount_is_taken_once() -> None:
    inv = invoice("200.00", discount="4.00")
    inv.apply_payment(uuid4(), D("50.00"), D("4.00"), JAN, JAN)
    refused(
        inv,
        lambda: inv.apply_payment(uuid4(), D("50.00"), D("4.00"), JAN, JAN),
        "discount-not-allowed",
    )


# ---- reversals ------------------------------------------------------------------------------


def test_reversing_a_discounted_payment_gives_the_discount_back() -> None:
    inv, payment = invoice(), uuid4()
    inv.apply_payment(payment, D("98.00"), D("2.00"), JAN, JAN)
    events = recorded(
        inv,
        lambda: inv.reverse_payment(payment, D("98.00"), D("2.00"), "bounced", JAN, bounced=True),
    )
    assert events == ["InvoicePaymentReversed"]
    assert (inv.open_amount, inv.paid, inv.discount_taken, inv.status) == (
        D("100.00"),
        D("0.00"),
        D("0.00"),
        STATUS_OPEN,
    )
    assert inv.applied_by(payment) == (D("0.00"), D("0.00"))
    # The discount is available again to cash received in the window.
    inv.apply_payment(uuid4(), D("98.00"), D("2.00"), JAN, WINDOW)
    assert inv.status == STATUS_SETTLED


def test_part_of_a_payment_can_be_taken_back_but_never_more_than_it_applied() -> None:
    inv, payment = invoice(discount=None), uuid4()
    inv.apply_payment(payment, D("60.00"), D(0), JAN, JAN)
    inv.reverse_payment(payment, D("10.00"), D(0), "wrong invoice", JAN, bounced=False)
    assert (inv.open_amount, inv.applied_by(payment)) == (D("50.00"), (D("50.00"), D("0.00")))
    refused(
        inv,
        lambda: inv.reverse_payment(payment, D("50.01"), D(0), "t", JAN, bounced=True),
        "reversal-exceeds-applied",
    )
    refused(
        inv,
        lambda: inv.reverse_payment(uuid4(), D("1.00"), D(0), "t", JAN, bounced=True),
        "reversal-exceeds-applied",
    )


# ---- credit notes and write-offs ------------------------------------------------------------


def test_credit_notes_lower_the_open_amount_and_can_settle_it() -> None:
    inv = invoice(discount=None)
    assert recorded(inv, lambda: inv.apply_credit_note(uuid4(), D("30.00"), "damaged", JAN)) == [
        "CreditNoteApplied"
    ]
    assert (inv.open_amount, inv.credited) == (D("70.00"), D("30.00"))
    assert recorded(inv, lambda: inv.apply_credit_note(uuid4(), D("70.00"), "returned", JAN)) == [
        "CreditNoteApplied",
        "InvoiceSettled",
    ]
    assert (inv.open_amount, inv.credited, inv.status) == (D("0.00"), D("100.00"), STATUS_SETTLED)


def test_a_credit_note_never_credits_more_than_is_open() -> None:
    inv = invoice(discount=None)
    inv.apply_payment(uuid4(), D("80.00"), D(0), JAN, JAN)
    refused(
        inv, lambda: inv.apply_credit_note(uuid4(), D("20.01"), "t", JAN), "amount-exceeds-open"
    )


def test_the_same_credit_note_is_applied_once() -> None:
    inv, note = invoice(discount=None), uuid4()
    inv.apply_credit_note(note, D("10.00"), "damaged", JAN)
    refused(inv, lambda: inv.apply_credit_note(note, D("10.00"), "damaged", JAN), "already-exists")


def test_a_settled_invoice_takes_no_credit_note() -> None:
    inv = invoice(discount=None)
    inv.apply_credit_note(uuid4(), D("100.00"), "returned", JAN)
    refused(inv, lambda: inv.apply_credit_note(uuid4(), D("1.00"), "t", JAN), "invoice-not-open")


def test_writing_off_takes_the_whole_open_amount_by_default() -> None:
    inv = invoice(discount=None)
    inv.apply_payment(uuid4(), D("25.00"), D(0), JAN, JAN)
    written: list[Decimal] = []
    events = recorded(inv, lambda: written.append(inv.write_off(uuid4(), None, "insolvent", JAN)))
    assert events == ["InvoiceWrittenOff", "InvoiceSettled"]
    assert written == [D("75.00")]
    assert (inv.open_amount, inv.written_off, inv.status) == (
        D("0.00"),
        D("75.00"),
        STATUS_WRITTEN_OFF,
    )


def test_a_partial_write_off_leaves_the_rest_open_and_never_exceeds_it() -> None:
    inv = invoice(discount=None)
    assert inv.write_off(uuid4(), D("40.00"), "partial", JAN) == D("40.00")
    assert (inv.open_amount, inv.status) == (D("60.00"), STATUS_OPEN)
    refused(inv, lambda: inv.write_off(uuid4(), D("60.01"), "t", JAN), "amount-exceeds-open")


# ---- disputes -------------------------------------------------------------------------------


def test_a_dispute_is_opened_once_and_resolved_once() -> None:
    inv = invoice()
    assert recorded(inv, lambda: inv.dispute("wrong price", JAN)) == ["InvoiceDisputed"]
    assert (inv.disputed, inv.dispute_reason) == (True, "wrong price")
    refused(inv, lambda: inv.dispute("again", JAN), "already-disputed")
    assert recorded(inv, lambda: inv.resolve_dispute("price corrected", JAN)) == ["DisputeResolved"]
    assert (inv.disputed, inv.dispute_reason) == (False, None)
    refused(inv, lambda: inv.resolve_dispute("again", JAN), "not-disputed")


def test_a_settled_invoice_cannot_be_disputed() -> None:
    inv = invoice(discount=None)
    inv.apply_payment(uuid4(), D("100.00"), D(0), JAN, JAN)
    refused(inv, lambda: inv.dispute("late complaint", JAN), "invoice-not-open")


# ---- reminders and dunning levels -----------------------------------------------------------


def days_past_due(n: int) -> date:
    return DUE + timedelta(days=n)


def test_the_levels_follow_the_days_past_due_one_at_a_time_and_once_per_date() -> None:
    inv = invoice()
    runs = (0, 1, 1, 14, 15, 29, 30, 90)
    sent = [(n, inv.send_reminder(days_past_due(n), POLICY)) for n in runs]
    assert sent == [
        (0, None),
        (1, 1),
        (1, None),
        (14, None),
        (15, 2),
        (29, None),
        (30, 3),
        (90, None),
    ]
    assert inv.dunning_level == 3
    assert [type(e).__name__ for e in inv.pending_events].count("ReminderSent") == 3


def test_a_late_first_run_sends_the_first_level_and_the_next_run_the_next() -> None:
    inv = invoice()
    assert inv.send_reminder(days_past_due(60), POLICY) == 1
    assert inv.send_reminder(days_past_due(61), POLICY) == 2
    assert inv.send_reminder(days_past_due(62), POLICY) == 3
    assert inv.send_reminder(days_past_due(63), POLICY) is None


def test_a_run_for_an_earlier_date_than_the_last_reminder_sends_nothing() -> None:
    inv = invoice()
    inv.send_reminder(days_past_due(20), POLICY)
    assert inv.send_reminder(days_past_due(19), POLICY) is None


@pytest.mark.parametrize("why", ["disputed", "paid"])
def test_a_disputed_or_paid_invoice_gets_no_reminder(why: str) -> None:
    inv = invoice(discount=None)
    if why == "disputed":
        inv.dispute("wrong price", JAN)
    else:
        inv.apply_payment(uuid4(), D("100.00"), D(0), JAN, JAN)
    assert recorded(inv, lambda: inv.send_reminder(days_past_due(40), POLICY)) == []
    assert inv.dunning_level == 0


@given(runs=st.lists(st.integers(-10, 120), max_size=12))
def test_reminders_climb_the_levels_in_order_only_when_due(runs: list[int]) -> None:
    """Whatever the run dates: levels go up by one, never past the last, each only once its days
    past due are reached, at most one per date and none for a date not after the last one."""
    inv = invoice()
    last: int | None = None
    for n in runs:
        level = inv.send_reminder(days_past_due(n), POLICY)
        if level is None:
            continue
        assert level == inv.dunning_level <= len(POLICY.levels)
        assert n >= POLICY.levels[level - 1]
        assert last is None or n > last
        last = n
    levels = [vars(e)["level"] for e in inv.pending_events if type(e).__name__ == "ReminderSent"]
    assert levels == list(range(1, len(levels) + 1))


# ---- any sequence ---------------------------------------------------------------------------

cents = st.integers(1, 12_000).map(lambda n: D(n) / 100)


class InvoiceLedger(RuleBasedStateMachine):
    """Random payments (with and without discount), reversals, credit notes, write-offs and
    disputes on one invoice, against a ledger the test keeps of what was accepted."""

    def __init__(self) -> None:
        super().__init__()
        self.inv = invoice("100.00", discount="2.00")
        self.applied: dict[UUID, tuple[Decimal, Decimal]] = {}
        self.credited = self.written_off = D("0.00")

    def _try(self, command: Callable[[], object]) -> bool:
        before, events = state(self.inv), len(self.inv.pending_events)
        try:
            command()
        except DomainError:
            assert state(self.inv) == before and len(self.inv.pending_events) == events
            return False
        return True

    @rule(amount=cents, with_discount=st.booleans(), received=st.integers(0, 20))
    def pay(self, amount: Decimal, with_discount: bool, received: int) -> None:
        payment, discount = uuid4(), D("2.00") if with_discount else D(0)
        on = JAN + timedelta(days=received)
        if self._try(lambda: self.inv.apply_payment(payment, amount, discount, on, on)):
            assert not with_discount or on <= WINDOW
            self.applied[payment] = (amount, discount)

    @rule(data=st.data(), bounced=st.booleans())
    def reverse(self, data: st.DataObject, bounced: bool) -> None:
        if not self.applied:
            return
        payment = data.draw(st.sampled_from(list(self.applied)))
        cash, discount = self.applied[payment]
        some = st.integers(1, int(cash * 100)).map(lambda n: D(n) / 100)
        part = data.draw(st.just(cash) | some)  # all of it (with its discount) or part
        given_back = discount if part == cash else D(0)
        if self._try(
            lambda: self.inv.reverse_payment(payment, part, given_back, "t", JAN, bounced=bounced)
        ):
            left = (cash - part, discount - given_back)
            self.applied[payment] = left
            if left[0] == 0:
                del self.applied[payment]

    @rule(amount=cents)
    def credit_note(self, amount: Decimal) -> None:
        if self._try(lambda: self.inv.apply_credit_note(uuid4(), amount, "t", JAN)):
            self.credited += amount

    @rule(amount=st.none() | cents)
    def write_off(self, amount: Decimal | None) -> None:
        written: list[Decimal] = []
        if self._try(lambda: written.append(self.inv.write_off(uuid4(), amount, "t", JAN))):
            self.written_off += written[0]

    @rule()
    def dispute_or_resolve(self) -> None:
        if self.inv.disputed:
            self._try(lambda: self.inv.resolve_dispute("t", JAN))
        else:
            self._try(lambda: self.inv.dispute("t", JAN))

    @invariant()
    def open_amount_is_what_the_ledger_says(self) -> None:
        inv = self.inv
        paid = sum((cash for cash, _ in self.applied.values()), D(0))
        discounts = sum((d for _, d in self.applied.values()), D(0))
        expected = inv.total - paid - discounts - self.credited - self.written_off
        assert (inv.open_amount, inv.paid, inv.discount_taken) == (expected, paid, discounts)
        assert D(0) <= inv.open_amount <= inv.total
        assert (inv.status == STATUS_OPEN) == (inv.open_amount > 0)
        assert {p: inv.applied_by(p) for p in self.applied} == self.applied

    @invariant()
    def the_events_rebuild_the_invoice(self) -> None:
        assert state(replayed(self.inv)) == state(self.inv)

    @invariant()
    def every_event_carries_the_state_it_left(self) -> None:
        """A downstream reader keeping only an invoice's last event knows its open amount and
        status; each earlier event told the state right after it."""
        replay: Invoice | None = None
        for e in self.inv.pending_events:
            replay = cast(Invoice, e.mutate(replay))
            data = vars(e)
            assert (data["open_amount"], data["status"]) == (replay.open_amount, replay.status)


TestInvoiceLedger = InvoiceLedger.TestCase
TestInvoiceLedger.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)
