"""Billing policies, billing runs and contracts, through the service."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from o2c import commands as c
from o2c.aggregates.invoice import Invoice
from o2c.aggregates.order import Order
from o2c.domain.errors import InvalidInput, RuleViolation
from tests.billing.conftest import Billing

D = Decimal


def policy(world: Billing, customer: UUID, mode: str, period: str | None = None) -> None:
    world.do(
        c.ChangeCustomerDetails(
            customer_id=customer, billing_policy={"mode": mode, "period": period}
        )
    )


def contract(
    world: Billing,
    customer: UUID,
    price: str = "100.00",
    interval: str = "month",
    start: date = date(2026, 1, 1),
    billing: str = "in_advance",
    end: date | None = None,
) -> UUID:
    body = world.do(
        c.StartContract(
            customer_id=customer,
            lines=[c.OrderLineIn(sku="SUB", quantity=1, unit_price=D(price))],
            interval=interval,  # type: ignore[arg-type]
            start_on=start,
            end_on=end,
            billing=billing,  # type: ignore[arg-type]
        )
    )
    return UUID(body["contract_id"])


def run(world: Billing, on: date) -> dict[str, str]:
    """Bill as of ``on``; the numbers issued, by customer."""
    world.clock.today = max(world.clock.today, on)
    done = world.runs.run(on)
    assert done.count("failed") == 0, done.outcomes
    return {str(o.customer_id): str(o.number) for o in done.outcomes if o.outcome == "invoiced"}


def invoice(world: Billing, invoice_id: UUID | str) -> Invoice:
    found = world.store.get(UUID(str(invoice_id)))
    assert isinstance(found, Invoice)
    return found


def test_an_on_shipment_customer_gets_the_invoice_with_the_shipment(world: Billing) -> None:
    acme = world.account()
    policy(world, acme, "on_shipment")
    order = world.order(acme, ("A", 3, "10.00"), on=date(2026, 1, 2))
    shipped = world.ship(order["order_id"], ("A", 2), on=date(2026, 1, 3))
    issued = shipped["invoice"]
    assert (issued["number"], issued["total"], issued["issued_on"]) == (
        "INV-000001",
        "20.00",
        "2026-01-03",
    )
    assert issued["order_id"] == order["order_id"]
    stored = world.store.get(UUID(order["order_id"]))
    assert isinstance(stored, Order) and stored.invoiced == {"A": 2}


def test_a_manual_customer_ships_without_an_invoice(world: Billing) -> None:
    acme = world.account()
    order = world.order(acme, ("A", 1, "10.00"), on=date(2026, 1, 2))
    assert world.ship(order["order_id"], ("A", 1))["invoice"] is None


def test_a_monthly_run_consolidates_what_was_shipped_up_to_the_cut_off(world: Billing) -> None:
    acme = world.account()
    policy(world, acme, "periodic", "month")
    first = world.order(acme, ("A", 3, "10.00"), ("B", 1, "5.00"), on=date(2026, 1, 2))
    second = world.order(acme, ("C", 2, "7.00"), on=date(2026, 1, 2))
    world.ship(first["order_id"], ("A", 1), ("B", 1), on=date(2026, 1, 10))
    world.ship(second["order_id"], ("C", 2), on=date(2026, 1, 31))
    world.ship(first["order_id"], ("A", 2), on=date(2026, 2, 2))  # after the cut-off

    numbers = run(world, date(2026, 2, 3))
    assert numbers == {str(acme): "INV-000001"}
    done = world.runs.run(date(2026, 2, 3))
    inv = invoice(world, done.outcomes[0].invoice_id or UUID(int=0))
    assert inv.order_id is None  # one invoice over two orders
    assert inv.issued_on == date(2026, 2, 3)
    assert sorted((ln["sku"], ln["quantity"], ln["order_id"]) for ln in inv.lines) == sorted(
        [
            ("A", 1, first["order_id"]),
            ("B", 1, first["order_id"]),
            ("C", 2, second["order_id"]),
        ]
    )
    assert inv.total == D("29.00")
    # The February shipment waits for the run after February.
    assert run(world, date(2026, 2, 27)) == {}
    assert run(world, date(2026, 3, 1)) == {str(acme): "INV-000002"}


def test_a_weekly_customer_is_billed_every_week_and_a_manual_one_never(world: Billing) -> None:
    weekly, manual = world.account(), world.account()
    policy(world, weekly, "periodic", "week")
    for customer in (weekly, manual):
        order = world.order(customer, ("A", 2, "10.00"), on=date(2026, 1, 5))
        world.ship(order["order_id"], ("A", 1), on=date(2026, 1, 6))  # Tuesday, week 2
        world.ship(order["order_id"], ("A", 1), on=date(2026, 1, 13))  # Tuesday, week 3
    assert run(world, date(2026, 1, 10)) == {}  # Saturday: week 2 has not ended
    assert run(world, date(2026, 1, 11)) == {str(weekly): "INV-000001"}
    assert run(world, date(2026, 1, 19)) == {str(weekly): "INV-000002"}


def test_a_run_started_again_invoices_nothing_twice(world: Billing) -> None:
    customers = [world.account() for _ in range(3)]
    for customer in customers:
        policy(world, customer, "periodic", "month")
        order = world.order(customer, ("A", 1, "10.00"), on=date(2026, 1, 5))
        world.ship(order["order_id"], ("A", 1), on=date(2026, 1, 6))
    world.clock.today = date(2026, 2, 1)
    first = world.runs.run(date(2026, 2, 1))
    again = world.runs.run(date(2026, 2, 1))
    assert first.count("invoiced") == 3
    assert again.count("already_invoiced") == 3 and again.count("invoiced") == 0
    assert [o.invoice_id for o in again.outcomes] == [o.invoice_id for o in first.outcomes]


def test_a_dry_run_says_what_it_would_invoice_and_records_nothing(world: Billing) -> None:
    acme = world.account()
    policy(world, acme, "periodic", "month")
    order = world.order(acme, ("A", 2, "10.00"), on=date(2026, 1, 5))
    world.ship(order["order_id"], ("A", 2), on=date(2026, 1, 6))
    contract(world, acme, "100.00")
    world.clock.today = date(2026, 2, 1)
    before = world.store.last_position()
    _, planned = world.runs.dry_run(date(2026, 2, 1))
    assert world.store.last_position() == before
    # January's goods (20.00), and January and February in advance (2 × 100.00).
    assert [(p.customer_id, p.total) for p in planned] == [(acme, D("220.00"))]
    real = world.runs.run(date(2026, 2, 1))
    assert real.outcomes[0].total == D("220.00")


def test_contract_periods_are_invoiced_once_each_in_advance_and_in_arrears(
    world: Billing,
) -> None:
    ahead, behind = world.account(), world.account()
    contract(world, ahead, "100.00", billing="in_advance", start=date(2026, 1, 15))
    contract(world, behind, "30.00", billing="in_arrears", start=date(2026, 1, 15))
    assert run(world, date(2026, 1, 14)) == {}
    assert run(world, date(2026, 1, 15)) == {str(ahead): "INV-000001"}
    assert run(world, date(2026, 2, 14)) == {}
    assert run(world, date(2026, 2, 15)) == {
        str(ahead): "INV-000002",
        str(behind): "INV-000003",
    }
    # Several periods due at once go on one invoice, each line naming its period.
    done = world.runs.run(date(2026, 2, 15))
    assert done.count("already_invoiced") == 2
    world.clock.today = date(2026, 5, 20)
    late = world.runs.run(date(2026, 5, 20))
    by_customer = {o.customer_id: o for o in late.outcomes}
    periods = [ln["period_start"] for ln in invoice(world, by_customer[ahead].invoice_id).lines]  # type: ignore[arg-type]
    assert periods == ["2026-03-15", "2026-04-15", "2026-05-15"]


def test_a_change_holds_from_the_next_period_and_a_cancellation_ends_it(world: Billing) -> None:
    acme = world.account()
    k = contract(world, acme, "100.00", start=date(2026, 1, 1))
    run(world, date(2026, 1, 1))
    changed = world.do(
        c.ChangeContract(
            contract_id=k,
            lines=[c.OrderLineIn(sku="SUB", quantity=2, unit_price=D("100.00"))],
            changed_on=date(2026, 1, 10),
        )
    )
    assert changed["effective_from"] == "2026-02-01"
    cancelled = world.do(
        c.CancelContract(contract_id=k, reason="ends", cancelled_on=date(2026, 2, 5))
    )
    assert cancelled["effective_from"] == "2026-03-01"
    assert cancelled["next_period"]["start"] == "2026-02-01"
    world.clock.today = date(2026, 6, 1)
    done = world.runs.run(date(2026, 6, 1))
    only = [o for o in done.outcomes if o.outcome == "invoiced"]
    assert len(only) == 1 and only[0].total == D("200.00")  # February only, whole, at 2 × 100
    assert run(world, date(2026, 6, 2)) == {}


def test_a_change_reaching_an_invoiced_period_is_refused(world: Billing) -> None:
    acme = world.account()
    k = contract(world, acme, start=date(2026, 1, 1))
    run(world, date(2026, 2, 1))  # January and February invoiced in advance
    with pytest.raises(RuleViolation) as refused:
        world.do(c.CancelContract(contract_id=k, cancelled_on=date(2026, 1, 20)))
    assert refused.value.code == "contract-period-invoiced"


def test_one_customer_refused_does_not_stop_the_others(world: Billing) -> None:
    closed, fine = world.account(), world.account()
    for customer in (closed, fine):
        contract(world, customer)
    world.do(c.CloseAccount(customer_id=closed, reason="gone"))
    world.clock.today = date(2026, 1, 2)
    done = world.runs.run(date(2026, 1, 2))
    outcomes = {o.customer_id: o for o in done.outcomes}
    assert outcomes[closed].outcome == "failed"
    assert outcomes[closed].problem == "account-closed"
    assert outcomes[fine].outcome == "invoiced"


def test_a_run_in_the_future_or_a_closed_period_is_refused(world: Billing) -> None:
    with pytest.raises(InvalidInput):
        world.runs.run(date(2026, 1, 2))  # the clock says 1 January
    world.clock.today = date(2026, 3, 1)
    world.do(c.ClosePeriod(through=date(2026, 1, 31), reason="closed"))
    with pytest.raises(RuleViolation):
        world.runs.run(date(2026, 1, 31))


def test_a_refund_pays_back_unapplied_cash_and_never_more(world: Billing) -> None:
    acme = world.account()
    paid = world.pay(acme, "50.00", date(2026, 1, 5), [])
    payment = UUID(paid["payment_id"])
    refund = world.do(
        c.RefundPayment(payment_id=payment, amount=D("20.00"), refunded_on=date(2026, 1, 6))
    )
    assert refund["unapplied"] == "30.00"
    with pytest.raises(RuleViolation) as refused:
        world.do(c.RefundPayment(payment_id=payment, amount=D("30.01")))
    assert refused.value.code == "amount-exceeds-unapplied"
    with pytest.raises(InvalidInput):
        world.do(
            c.RefundPayment(payment_id=payment, amount=D("1.00"), refunded_on=date(2026, 1, 4))
        )
    world.do(c.ReversePayment(payment_id=payment, reason="NSF"))
    with pytest.raises(RuleViolation):
        world.do(c.RefundPayment(payment_id=payment, amount=D("1.00")))


def test_a_sku_on_several_lines_of_a_run_invoice_is_credited_by_amount(world: Billing) -> None:
    acme = world.account()
    world.do(
        c.ChangeCustomerDetails(
            customer_id=acme,
            tax_treatment="domestic",
            billing_policy={"mode": "periodic", "period": "month"},
        )
    )
    for price in ("10.00", "12.00"):
        order = world.order(acme, ("A", 1, price), on=date(2026, 1, 5))
        world.ship(order["order_id"], ("A", 1), on=date(2026, 1, 6))
    world.clock.today = date(2026, 2, 1)
    [outcome] = world.runs.run(date(2026, 2, 1)).outcomes
    assert outcome.invoice_id is not None
    by_line = c.ApplyCreditNote(
        invoice_id=outcome.invoice_id, lines=[c.CreditLineIn(sku="A", quantity=1)], reason="r"
    )
    with pytest.raises(RuleViolation) as refused:
        world.do(by_line)
    assert refused.value.code == "ambiguous-sku"
    world.do(c.ApplyCreditNote(invoice_id=outcome.invoice_id, amount=D("5.00"), reason="r"))


def test_goods_shipped_free_of_charge_alone_make_no_invoice(world: Billing) -> None:
    on_shipment, periodic = world.account(), world.account()
    policy(world, on_shipment, "on_shipment")
    policy(world, periodic, "periodic", "month")
    for customer in (on_shipment, periodic):
        order = world.order(customer, ("FREE", 1, "0.00"), ("A", 1, "10.00"), on=date(2026, 1, 5))
        shipped = world.ship(order["order_id"], ("FREE", 1), on=date(2026, 1, 6))
        assert shipped["invoice"] is None
    world.clock.today = date(2026, 2, 1)
    done = world.runs.run(date(2026, 2, 1))
    assert done.count("failed") == 0 and done.count("invoiced") == 0
