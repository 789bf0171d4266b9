"""The lock date, through the service: every dated command inside a closed period is refused and
stores nothing; dated after it, the same command is booked; the lock only moves forward."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from o2c import commands as c
from o2c.domain.errors import InvalidInput, RuleViolation
from tests.periods.book import AFTER, DATED, INSIDE, LOCK, TODAY, Factory
from tests.periods.conftest import Closed, close

ALL_DATED = sorted(DATED.items(), key=lambda kv: kv[0].__name__)
IDS = [cmd.__name__ for cmd, _ in ALL_DATED]


@pytest.mark.parametrize(("cmd", "factory"), ALL_DATED, ids=IDS)
@pytest.mark.parametrize("on", [INSIDE, LOCK], ids=["inside", "on-the-lock-date"])
def test_dated_inside_a_closed_period_is_refused_and_stores_nothing(
    shared: Closed, cmd: type[c.Command], factory: Factory, on: date
) -> None:
    store = shared.world.store
    before = store.last_position()
    with pytest.raises(RuleViolation) as refused:
        shared.world.do(factory(shared.book, on))
    assert refused.value.code == "period-closed"
    assert str(LOCK) in refused.value.detail
    assert store.last_position() == before


@pytest.mark.parametrize(("cmd", "factory"), ALL_DATED, ids=IDS)
def test_the_same_command_dated_after_the_lock_date_is_booked(
    fresh: Closed, cmd: type[c.Command], factory: Factory
) -> None:
    store = fresh.world.store
    before = store.last_position()
    fresh.world.do(factory(fresh.book, AFTER))
    assert store.last_position() > before


def test_the_lock_is_checked_before_the_handler_runs(shared: Closed) -> None:
    """An unknown invoice dated inside the period: the lock answers, not the handler's 404."""
    with pytest.raises(RuleViolation) as refused:
        shared.world.do(c.DisputeInvoice(invoice_id=uuid4(), reason="r", disputed_on=INSIDE))
    assert refused.value.code == "period-closed"


def test_a_command_without_its_date_is_booked_today(fresh: Closed) -> None:
    body = fresh.world.do(c.ReceivePayment(customer_id=fresh.book.customer, amount=Decimal("1")))
    [payment] = [
        e
        for e in fresh.world.store.read_all()
        if e.event_type == "PaymentReceived" and e.data["payment_id"] == body["payment_id"]
    ]
    assert payment.data["received_on"] == TODAY.isoformat()


def test_an_import_with_one_row_inside_the_period_is_refused_whole(shared: Closed) -> None:
    rows = [
        c.OpeningInvoice(customer_id=shared.book.customer, issued_on=d, open_amount=Decimal(5))
        for d in (AFTER, INSIDE)
    ]
    before = shared.world.store.last_position()
    with pytest.raises(RuleViolation, match="closed through"):
        shared.world.do(c.ImportOpeningInvoices(rows=rows))
    assert shared.world.store.last_position() == before


def test_commands_without_a_business_date_are_not_affected(fresh: Closed) -> None:
    world, book = fresh.world, fresh.book
    close(world, through=TODAY - timedelta(days=1), reason="everything so far")
    customer = world.account(limit="100")
    world.do(c.ChangeCreditLimit(customer_id=customer, credit_limit=Decimal("5"), reason="r"))
    world.do(c.PlaceCreditHold(customer_id=customer, reason="r"))
    world.do(c.ReleaseCreditHold(customer_id=customer, reason="r"))
    world.do(c.ChangePaymentTerms(customer_id=customer, payment_terms=c.PaymentTermsIn()))
    world.do(c.CloseAccount(customer_id=customer, reason="r"))
    world.do(c.ImportCustomers(rows=[c.OpenAccount(name="N", currency="EUR", credit_limit=1)]))
    held = world.do(
        c.PlaceOrder(
            customer_id=book.customer,
            lines=[c.OrderLineIn(sku="B", quantity=1, unit_price=Decimal("999999"))],
        )
    )
    assert held["status"] == "credit_hold"
    world.do(c.ApproveOrder(order_id=held["order_id"]))


def test_the_lock_only_moves_forward(fresh: Closed) -> None:
    world = fresh.world
    for through in (LOCK, LOCK - timedelta(days=1)):
        with pytest.raises(RuleViolation) as refused:
            close(world, through=through)
        assert refused.value.code == "period-already-closed"
    close(world, through=date(2026, 2, 28), reason="February closed")
    assert world.service.locked_through() == date(2026, 2, 28)
    with pytest.raises(RuleViolation, match="closed through 2026-02-28"):
        world.do(c.DisputeInvoice(invoice_id=fresh.book.invoice, reason="r", disputed_on=AFTER))


@pytest.mark.parametrize(
    ("through", "code"),
    [(TODAY, "invalid-close-date"), (TODAY + timedelta(days=1), "date-in-future")],
)
def test_only_a_past_date_can_be_closed(fresh: Closed, through: date, code: str) -> None:
    before = fresh.world.store.last_position()
    with pytest.raises(InvalidInput) as refused:
        close(fresh.world, through=through)
    assert refused.value.code == code
    assert fresh.world.store.last_position() == before


def test_a_replayed_idempotent_command_still_answers_after_the_close(fresh: Closed) -> None:
    """A retry of a command stored before the close gets its first answer, not a refusal."""
    world = fresh.world
    world.clock.today = date(2026, 2, 1)
    cmd = c.ReceivePayment(customer_id=fresh.book.customer, amount=Decimal(3), received_on=AFTER)
    first = world.do(cmd, idempotency_key="k-1")
    close(world, through=date(2026, 2, 15), reason="half of February")
    assert world.do(cmd, idempotency_key="k-1") == first
