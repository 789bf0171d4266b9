"""Every domain rule and every rejection: a typed error with a stable code, nothing recorded."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from o2c import commands as c
from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.invoice import Invoice
from o2c.application.context import CommandContext
from o2c.application.errors import IdempotencyKeyReused
from o2c.domain.errors import DomainError, InvalidInput, NotFound, RuleViolation
from tests.support.world import D, World

JAN = date(2026, 1, 1)


def rejected(world: World, run: Callable[[], Any], kind: type[DomainError], code: str) -> None:
    """The command fails with ``kind``/``code`` and the log does not move."""
    before = world.store.last_position()
    with pytest.raises(kind) as err:
        run()
    assert err.value.code == code
    assert world.store.last_position() == before


def account(world: World, cid: UUID) -> CustomerAccount:
    agg = world.store.get(cid)
    assert isinstance(agg, CustomerAccount)
    return agg


def invoice(world: World, iid: str | UUID) -> Invoice:
    agg = world.store.get(UUID(str(iid)))
    assert isinstance(agg, Invoice)
    return agg


# ---- accounts and money ---------------------------------------------------------------------


def test_amount_with_too_many_decimals_for_the_currency_is_rejected(world: World) -> None:
    cid = world.account(currency="JPY")
    rejected(
        world, lambda: world.order(cid, ("A", 1, "10.5")), InvalidInput, "invalid-amount-precision"
    )
    rejected(
        world,
        lambda: world.do(c.OpenAccount(name="x", currency="EUR", credit_limit=D("1.001"))),
        InvalidInput,
        "invalid-amount-precision",
    )


def test_unknown_customer_is_not_found(world: World) -> None:
    rejected(world, lambda: world.order(uuid4(), ("A", 1, "1")), NotFound, "customer-not-found")


def test_caller_supplied_id_already_taken_is_a_conflict(world: World) -> None:
    cid = world.account()
    rejected(
        world,
        lambda: world.do(
            c.OpenAccount(customer_id=cid, name="x", currency="EUR", credit_limit=D("1"))
        ),
        RuleViolation,
        "already-exists",
    )


def test_hold_twice_and_release_without_hold_are_rejected(world: World) -> None:
    cid = world.account()
    world.do(c.PlaceCreditHold(customer_id=cid, reason="late"))
    rejected(
        world,
        lambda: world.do(c.PlaceCreditHold(customer_id=cid, reason="x")),
        RuleViolation,
        "already-on-hold",
    )
    world.do(c.ReleaseCreditHold(customer_id=cid, reason="paid"))
    rejected(
        world,
        lambda: world.do(c.ReleaseCreditHold(customer_id=cid, reason="x")),
        RuleViolation,
        "not-on-hold",
    )


def test_account_closes_only_at_zero_balance_and_then_refuses_commands(world: World) -> None:
    cid = world.account()
    inv = world.sell(cid, "100.00", JAN)
    rejected(
        world,
        lambda: world.do(c.CloseAccount(customer_id=cid, reason="x")),
        RuleViolation,
        "account-not-settled",
    )
    world.pay(cid, "100.00", JAN, [(inv["invoice_id"], None)])
    world.do(c.CloseAccount(customer_id=cid, reason="customer left"))
    rejected(world, lambda: world.order(cid, ("A", 1, "1")), RuleViolation, "account-closed")
    rejected(
        world,
        lambda: world.do(c.ChangeCreditLimit(customer_id=cid, credit_limit=D("5"), reason="x")),
        RuleViolation,
        "account-closed",
    )


# ---- credit check ---------------------------------------------------------------------------


def test_order_within_limit_is_approved_and_counts_as_open_order(world: World) -> None:
    cid = world.account(limit="1000")
    body = world.order(cid, ("A", 10, "100.00"))
    assert body["status"] == "approved"
    assert account(world, cid).open_order_value == D("1000.00")


def test_order_over_limit_is_held_with_reason_and_exposure_components(world: World) -> None:
    cid = world.account(limit="1000")
    world.sell(cid, "600.00", JAN)
    body = world.order(cid, ("A", 5, "100.00"))
    assert body["status"] == "credit_hold"
    decision = body["credit_decision"]
    assert decision["approved"] is False
    assert (decision["ar_balance"], decision["order_total"], decision["credit_limit"]) == (
        "600.00",
        "500.00",
        "1000.00",
    )
    assert "exceeds" in decision["reason"]
    assert account(world, cid).open_order_value == D("0.00")


def test_unapplied_cash_reduces_exposure(world: World) -> None:
    cid = world.account(limit="1000")
    world.sell(cid, "900.00", JAN)
    world.pay(cid, "500.00", JAN, [])
    assert account(world, cid).unapplied_cash == D("500.00")
    assert world.order(cid, ("A", 6, "100.00"))["status"] == "approved"


def test_account_on_hold_holds_every_order_and_override_records_exposure(world: World) -> None:
    cid = world.account(limit="100000")
    world.do(c.PlaceCreditHold(customer_id=cid, reason="review"))
    body = world.order(cid, ("A", 1, "10.00"))
    assert body["status"] == "credit_hold"
    approved = world.do(c.ApproveOrder(order_id=UUID(body["order_id"]), reason="known"))
    assert approved["status"] == "approved"
    assert approved["credit_decision"]["on_hold"] is True
    assert account(world, cid).open_order_value == D("10.00")
    rejected(
        world,
        lambda: world.do(c.ApproveOrder(order_id=UUID(body["order_id"]))),
        RuleViolation,
        "not-on-hold",
    )


# ---- fulfilment -----------------------------------------------------------------------------


def test_overshipment_and_unknown_sku_are_rejected(world: World) -> None:
    cid = world.account()
    oid = world.order(cid, ("A", 2, "10.00"))["order_id"]
    world.ship(oid, ("A", 1))
    rejected(world, lambda: world.ship(oid, ("A", 2)), RuleViolation, "overshipment")
    rejected(world, lambda: world.ship(oid, ("B", 1)), InvalidInput, "unknown-sku")
    rejected(world, lambda: world.ship(oid, ("A", 1), ("A", 1)), InvalidInput, "duplicate-sku")


def test_held_order_cannot_ship(world: World) -> None:
    cid = world.account(limit="0")
    oid = world.order(cid, ("A", 1, "10.00"))["order_id"]
    rejected(world, lambda: world.ship(oid, ("A", 1)), RuleViolation, "order-not-approved")


def test_cancel_takes_only_the_unshipped_rest_and_releases_exposure(world: World) -> None:
    cid = world.account()
    oid = world.order(cid, ("A", 4, "10.00"))["order_id"]
    world.ship(oid, ("A", 1))
    body = world.do(c.CancelOrder(order_id=UUID(oid)))
    assert body["cancelled_amount"] == "30.00"
    assert account(world, cid).open_order_value == D("10.00")
    rejected(
        world,
        lambda: world.do(c.CancelOrder(order_id=UUID(oid))),
        RuleViolation,
        "nothing-to-cancel",
    )
    world.invoice(oid)
    assert account(world, cid).open_order_value == D("0.00")


def test_invoice_numbers_are_gap_free_and_due_date_follows_terms(any_world: World) -> None:
    world = any_world
    cid = world.account(net_days=45)
    numbers = [world.sell(cid, "10.00", JAN)["number"] for _ in range(3)]
    oid = world.order(cid, ("A", 1, "5.00"))["order_id"]
    rejected(world, lambda: world.invoice(oid), RuleViolation, "nothing-to-invoice")
    numbers.append(world.sell(cid, "10.00", date(2026, 3, 1))["number"])
    assert numbers == ["INV-000001", "INV-000002", "INV-000003", "INV-000004"]
    last = world.sell(cid, "1.00", date(2026, 1, 31))
    assert last["due_on"] == "2026-03-17"


def test_invoicing_is_atomic_with_order_and_account(world: World) -> None:
    cid = world.account()
    body = world.sell(cid, "250.00", JAN)
    acc = account(world, cid)
    assert acc.invoices_by_due_date() == [UUID(body["invoice_id"])]
    assert acc.ar_balance == D("250.00") and acc.open_order_value == D("0.00")
    events = [e for e in world.store.read(0, 1000) if e.command_id == events_of_last(world)]
    types = {e.event_type for e in events}
    assert {"OrderInvoiced", "InvoiceIssued", "InvoiceBooked", "InvoiceNumberAssigned"} <= types


def events_of_last(world: World) -> str:
    return world.store.read(world.store.last_position() - 1, 1)[0].command_id


# ---- payments -------------------------------------------------------------------------------


def test_payment_applies_oldest_due_first_skips_disputed_and_keeps_excess(world: World) -> None:
    cid = world.account()
    old = world.sell(cid, "100.00", JAN)
    disputed = world.sell(cid, "50.00", date(2026, 1, 2))
    new = world.sell(cid, "80.00", date(2026, 1, 3))
    world.do(c.DisputeInvoice(invoice_id=UUID(disputed["invoice_id"]), reason="wrong qty"))
    body = world.pay(cid, "200.00", date(2026, 1, 10))
    applied = {a["invoice_id"]: a["amount"] for a in body["allocations"]}
    assert applied == {old["invoice_id"]: "100.00", new["invoice_id"]: "80.00"}
    assert (body["applied"], body["unapplied"]) == ("180.00", "20.00")
    assert invoice(world, disputed["invoice_id"]).open_amount == D("50.00")
    assert account(world, cid).unapplied_cash == D("20.00")


def test_explicit_allocation_above_open_amount_leaves_the_rest_unapplied(world: World) -> None:
    cid = world.account()
    inv = world.sell(cid, "100.00", JAN)
    body = world.pay(cid, "150.00", JAN, [(inv["invoice_id"], "150.00")])
    assert (body["applied"], body["unapplied"]) == ("100.00", "50.00")
    assert invoice(world, inv["invoice_id"]).status == "settled"


def test_unknown_invoice_in_allocation_stores_nothing(world: World) -> None:
    cid = world.account()
    inv = world.sell(cid, "100.00", JAN)
    rejected(
        world,
        lambda: world.pay(cid, "150.00", JAN, [(inv["invoice_id"], "50.00"), (uuid4(), None)]),
        NotFound,
        "invoice-not-found",
    )
    assert invoice(world, inv["invoice_id"]).open_amount == D("100.00")


def test_unapplied_cash_allocated_later_and_deallocated(world: World) -> None:
    cid = world.account()
    pay = world.pay(cid, "70.00", JAN)
    assert pay["unapplied"] == "70.00"
    inv = world.sell(cid, "100.00", date(2026, 1, 5))
    pid = UUID(pay["payment_id"])
    body = world.do(c.AllocatePayment(payment_id=pid))
    assert body["applied"] == "70.00"
    assert invoice(world, inv["invoice_id"]).open_amount == D("30.00")
    world.do(
        c.DeallocatePayment(payment_id=pid, invoice_id=UUID(inv["invoice_id"]), reason="misapplied")
    )
    assert invoice(world, inv["invoice_id"]).open_amount == D("100.00")
    assert account(world, cid).unapplied_cash == D("70.00")
    rejected(
        world,
        lambda: world.do(
            c.DeallocatePayment(payment_id=pid, invoice_id=UUID(inv["invoice_id"]), reason="x")
        ),
        RuleViolation,
        "not-allocated",
    )


def test_reversal_undoes_every_allocation_and_removes_the_cash(world: World) -> None:
    cid = world.account()
    a = world.sell(cid, "60.00", JAN)
    b = world.sell(cid, "40.00", JAN)
    pay = world.pay(cid, "120.00", JAN)
    assert invoice(world, a["invoice_id"]).status == "settled"
    body = world.do(c.ReversePayment(payment_id=UUID(pay["payment_id"]), reason="NSF"))
    assert len(body["reversed_allocations"]) == 2
    assert invoice(world, a["invoice_id"]).status == "open"
    assert invoice(world, b["invoice_id"]).open_amount == D("40.00")
    acc = account(world, cid)
    assert (acc.ar_balance, acc.unapplied_cash) == (D("100.00"), D("0.00"))
    rejected(
        world,
        lambda: world.do(c.ReversePayment(payment_id=UUID(pay["payment_id"]))),
        RuleViolation,
        "payment-reversed",
    )


def test_discount_taken_inside_the_window_only(world: World) -> None:
    cid = world.account(discount=("2", 10))
    early = world.sell(cid, "500.00", JAN)
    late = world.sell(cid, "500.00", JAN)
    body = world.pay(cid, "490.00", date(2026, 1, 11), [(early["invoice_id"], None)])
    assert body["allocations"][0]["discount"] == "10.00"
    inv = invoice(world, early["invoice_id"])
    assert (inv.status, inv.discount_taken, inv.open_amount) == ("settled", D("10.00"), D("0"))
    body = world.pay(cid, "490.00", date(2026, 1, 12), [(late["invoice_id"], None)])
    assert body["allocations"][0]["discount"] == "0.00"
    assert invoice(world, late["invoice_id"]).open_amount == D("10.00")


def test_reversing_a_discounted_payment_restores_the_discount(world: World) -> None:
    cid = world.account(discount=("2", 10))
    inv = world.sell(cid, "100.00", JAN)
    pay = world.pay(cid, "98.00", JAN)
    world.do(c.ReversePayment(payment_id=UUID(pay["payment_id"])))
    restored = invoice(world, inv["invoice_id"])
    assert (restored.open_amount, restored.discount_taken) == (D("100.00"), D("0.00"))


# ---- credit notes, disputes, write-offs, settlement -----------------------------------------


def test_credit_note_never_above_open_and_settles_at_zero(world: World) -> None:
    cid = world.account()
    inv = world.sell(cid, "100.00", JAN)
    iid = UUID(inv["invoice_id"])
    world.pay(cid, "30.00", JAN, [(iid, None)])
    rejected(
        world,
        lambda: world.do(c.ApplyCreditNote(invoice_id=iid, amount=D("80"), reason="x")),
        RuleViolation,
        "amount-exceeds-open",
    )
    body = world.do(c.ApplyCreditNote(invoice_id=iid, amount=D("70"), reason="damaged"))
    assert body["status"] == "settled"
    settled = [e for e in world.store.read(0, 1000) if e.event_type == "InvoiceSettled"]
    assert len(settled) == 1 and settled[0].aggregate_id == str(iid)
    rejected(
        world,
        lambda: world.do(c.ApplyCreditNote(invoice_id=iid, amount=D("1"), reason="x")),
        RuleViolation,
        "invoice-not-open",
    )


def test_write_off_defaults_to_open_amount_and_marks_written_off(world: World) -> None:
    cid = world.account()
    inv = world.sell(cid, "100.00", JAN)
    iid = UUID(inv["invoice_id"])
    body = world.do(c.WriteOffInvoice(invoice_id=iid, reason="insolvent"))
    assert (body["status"], body["written_off"]) == ("written_off", "100.00")
    assert account(world, cid).ar_balance == D("0.00")


def test_dispute_twice_and_resolve_without_dispute_are_rejected(world: World) -> None:
    cid = world.account()
    iid = UUID(world.sell(cid, "10.00", JAN)["invoice_id"])
    world.do(c.DisputeInvoice(invoice_id=iid, reason="qty"))
    rejected(
        world,
        lambda: world.do(c.DisputeInvoice(invoice_id=iid, reason="x")),
        RuleViolation,
        "already-disputed",
    )
    world.do(c.ResolveDispute(invoice_id=iid))
    rejected(
        world, lambda: world.do(c.ResolveDispute(invoice_id=iid)), RuleViolation, "not-disputed"
    )


def test_dunning_levels_and_a_second_run_sends_nothing_new(world: World) -> None:
    cid = world.account(net_days=10)
    a = world.sell(cid, "10.00", JAN)
    b = world.sell(cid, "10.00", JAN)
    world.do(c.DisputeInvoice(invoice_id=UUID(b["invoice_id"]), reason="qty"))
    assert world.do(c.RunDunning(as_of=date(2026, 1, 11)))["reminders_sent"] == 0
    first = world.do(c.RunDunning(as_of=date(2026, 1, 12)))
    assert [(r["invoice_id"], r["level"]) for r in first["reminders"]] == [(a["invoice_id"], 1)]
    before = world.store.last_position()
    assert world.do(c.RunDunning(as_of=date(2026, 1, 12)))["reminders_sent"] == 0
    assert world.store.last_position() == before
    assert world.do(c.RunDunning(as_of=date(2026, 1, 20)))["reminders_sent"] == 0
    assert world.do(c.RunDunning(as_of=date(2026, 1, 26)))["reminders"][0]["level"] == 2
    assert world.do(c.RunDunning(as_of=date(2026, 3, 1)))["reminders"][0]["level"] == 3
    assert world.do(c.RunDunning(as_of=date(2026, 6, 1)))["reminders_sent"] == 0


# ---- idempotency ----------------------------------------------------------------------------


def test_same_key_same_command_returns_first_response_and_records_nothing(world: World) -> None:
    cid = world.account()
    cmd = c.PlaceOrder(
        customer_id=cid, lines=[c.OrderLineIn(sku="A", quantity=1, unit_price=D("5"))]
    )
    ctx = CommandContext(idempotency_key="k-1")
    first = world.service.handle(cmd, ctx)
    position = world.store.last_position()
    again = world.service.handle(cmd, ctx)
    assert again.replayed and again.body == first.body
    assert world.store.last_position() == position
    other = c.PlaceOrder(
        customer_id=cid, lines=[c.OrderLineIn(sku="A", quantity=2, unit_price=D("5"))]
    )
    rejected(
        world,
        lambda: world.service.handle(other, ctx),
        IdempotencyKeyReused,
        "idempotency-key-reused",
    )


def test_every_event_carries_actor_command_correlation_and_customer(world: World) -> None:
    cid = world.account()
    corr = uuid4()
    world.do(
        c.PlaceOrder(
            customer_id=cid, lines=[c.OrderLineIn(sku="A", quantity=1, unit_price=Decimal("5"))]
        ),
        actor="clerk:anna",
        correlation_id=corr,
    )
    events = world.store.read(1, 100)
    assert events and all(e.actor == "clerk:anna" for e in events)
    assert all(e.correlation_id == str(corr) and e.customer_id == str(cid) for e in events)
    assert len({e.command_id for e in events}) == 1
    assert len({e.event_id for e in world.store.read(0, 100)}) == world.store.last_position()


# ---- money and terms through commands -------------------------------------------------------


@pytest.mark.parametrize("amount", ["0", "-5.00"])
def test_zero_and_negative_amounts_are_rejected(world: World, amount: str) -> None:
    cid = world.account()
    iid = UUID(world.sell(cid, "100.00", JAN)["invoice_id"])
    rejected(world, lambda: world.pay(cid, amount, JAN), InvalidInput, "invalid-amount")
    rejected(
        world,
        lambda: world.do(c.ApplyCreditNote(invoice_id=iid, amount=D(amount), reason="x")),
        InvalidInput,
        "invalid-amount",
    )
    rejected(
        world,
        lambda: world.do(c.WriteOffInvoice(invoice_id=iid, amount=D(amount), reason="x")),
        InvalidInput,
        "invalid-amount",
    )


def test_negative_credit_limit_is_rejected(world: World) -> None:
    cid = world.account()
    rejected(
        world,
        lambda: world.do(c.ChangeCreditLimit(customer_id=cid, credit_limit=D("-1"), reason="x")),
        InvalidInput,
        "invalid-amount",
    )


def test_amounts_take_the_accounts_currency_minor_units(world: World) -> None:
    yen = world.account(currency="JPY", limit="1000000")
    body = world.sell(yen, "1500", JAN)
    assert body["total"] == "1500"
    rejected(world, lambda: world.pay(yen, "10.5", JAN), InvalidInput, "invalid-amount-precision")
    assert world.pay(yen, "1500", JAN)["applied"] == "1500"
    euro = world.account(currency="EUR")
    rejected(
        world, lambda: world.pay(euro, "10.001", JAN), InvalidInput, "invalid-amount-precision"
    )
    assert world.pay(euro, "10.1", JAN)["amount"] == "10.10"


def test_unsupported_currency_is_rejected(world: World) -> None:
    rejected(
        world,
        lambda: world.do(c.OpenAccount(name="x", currency="XYZ", credit_limit=D("1"))),
        InvalidInput,
        "invalid-currency",
    )


def test_inconsistent_terms_are_rejected_and_new_terms_apply_to_new_invoices(world: World) -> None:
    cid = world.account(net_days=30)
    bad = c.PaymentTermsIn(net_days=10, discount_percent=D("2"), discount_days=20)
    rejected(
        world,
        lambda: world.do(c.ChangePaymentTerms(customer_id=cid, payment_terms=bad)),
        InvalidInput,
        "invalid-terms",
    )
    assert world.sell(cid, "10.00", JAN)["due_on"] == "2026-01-31"
    world.do(c.ChangePaymentTerms(customer_id=cid, payment_terms=c.PaymentTermsIn(net_days=10)))
    assert world.sell(cid, "10.00", JAN)["due_on"] == "2026-01-11"


# ---- credit decisions record what they were taken on ----------------------------------------


def _decision_events(world: World, order_id: str) -> list[dict[str, Any]]:
    return [
        {"type": e.event_type, **e.data}
        for e in world.store.read(0, 10_000)
        if e.aggregate_id == order_id and e.event_type in ("OrderApproved", "OrderCreditHeld")
    ]


def test_credit_limit_is_inclusive(world: World) -> None:
    cid = world.account(limit="1000")
    world.sell(cid, "400.00", JAN)
    assert world.order(cid, ("A", 1, "300.00"))["status"] == "approved"
    assert world.order(cid, ("A", 1, "300.01"))["status"] == "credit_hold"
    assert world.order(cid, ("A", 1, "300.00"))["status"] == "approved"


def test_held_and_overridden_decisions_record_their_exposure_components(world: World) -> None:
    cid = world.account(limit="500")
    world.sell(cid, "200.00", JAN)
    world.pay(cid, "50.00", JAN, [])
    world.order(cid, ("A", 1, "100.00"))
    held = world.order(cid, ("B", 3, "100.00"))
    assert held["status"] == "credit_hold"
    world.do(c.ApproveOrder(order_id=UUID(held["order_id"]), reason="good customer"))
    decisions = _decision_events(world, held["order_id"])
    assert [d["type"] for d in decisions] == ["OrderCreditHeld", "OrderApproved"]
    expected = {
        "credit_limit": "500.00",
        "ar_balance": "200.00",
        "open_orders": "100.00",
        "unapplied_cash": "50.00",
        "exposure": "250.00",
        "order_total": "300.00",
        "on_hold": False,
    }
    assert decisions[0]["exposure"] == expected
    assert "exceeds" in decisions[0]["reason"]
    assert decisions[1]["exposure"] == expected and decisions[1]["override"] is True
    assert decisions[1]["reason"] == "good customer"
    assert account(world, cid).open_order_value == D("400.00")


def test_cancel_releases_exposure_for_the_next_order(world: World) -> None:
    cid = world.account(limit="100")
    first = world.order(cid, ("A", 1, "80.00"))
    assert world.order(cid, ("A", 1, "30.00"))["status"] == "credit_hold"
    world.do(c.CancelOrder(order_id=UUID(first["order_id"])))
    assert account(world, cid).open_order_value == D("0.00")
    assert world.order(cid, ("A", 1, "30.00"))["status"] == "approved"


def test_held_order_of_an_account_on_hold_cannot_ship_or_be_invoiced(world: World) -> None:
    cid = world.account()
    world.do(c.PlaceCreditHold(customer_id=cid, reason="late payer"))
    body = world.order(cid, ("A", 1, "10.00"))
    assert body["credit_decision"]["reason"] == "account on credit hold"
    oid = body["order_id"]
    rejected(world, lambda: world.ship(oid, ("A", 1)), RuleViolation, "order-not-approved")
    rejected(world, lambda: world.invoice(oid), RuleViolation, "nothing-to-invoice")
    assert account(world, cid).open_order_value == D("0.00")


# ---- caller-supplied ids --------------------------------------------------------------------


def test_caller_supplied_ids_already_taken_are_rejected(world: World) -> None:
    cid = world.account()
    oid = UUID(world.order(cid, ("A", 3, "10.00"))["order_id"])
    line = [c.OrderLineIn(sku="A", quantity=1, unit_price=D("1"))]
    for taken in (oid, cid):
        rejected(
            world,
            lambda taken=taken: world.do(c.PlaceOrder(order_id=taken, customer_id=cid, lines=line)),
            RuleViolation,
            "already-exists",
        )
    shipment = uuid4()
    ship = c.ShipOrder(
        order_id=oid, shipment_id=shipment, lines=[c.ShipmentLineIn(sku="A", quantity=1)]
    )
    world.do(ship)
    rejected(world, lambda: world.do(ship), RuleViolation, "already-exists")
    rejected(
        world,
        lambda: world.do(c.InvoiceOrder(order_id=oid, invoice_id=cid)),
        RuleViolation,
        "already-exists",
    )
    iid = UUID(world.invoice(oid)["invoice_id"])
    pid = uuid4()
    pay = c.ReceivePayment(customer_id=cid, payment_id=pid, amount=D("1.00"), received_on=JAN)
    world.do(pay)
    rejected(world, lambda: world.do(pay), RuleViolation, "already-exists")
    note = c.ApplyCreditNote(invoice_id=iid, credit_note_id=uuid4(), amount=D("2"), reason="x")
    world.do(note)
    rejected(world, lambda: world.do(note), RuleViolation, "already-exists")
    assert invoice(world, iid).open_amount == D("7.00")
    assert account(world, cid).ar_balance == D("7.00")


# ---- closed accounts ------------------------------------------------------------------------


def test_closed_account_refuses_payments_reversals_and_holds(world: World) -> None:
    cid = world.account()
    inv = world.sell(cid, "50.00", JAN)
    pid = UUID(world.pay(cid, "50.00", JAN)["payment_id"])
    world.do(c.CloseAccount(customer_id=cid, reason="customer left"))
    closed = "account-closed"
    rejected(world, lambda: world.pay(cid, "1.00", JAN), RuleViolation, closed)
    rejected(world, lambda: world.do(c.ReversePayment(payment_id=pid)), RuleViolation, closed)
    rejected(
        world,
        lambda: world.do(
            c.DeallocatePayment(payment_id=pid, invoice_id=UUID(inv["invoice_id"]), reason="x")
        ),
        RuleViolation,
        closed,
    )
    rejected(
        world,
        lambda: world.do(c.PlaceCreditHold(customer_id=cid, reason="x")),
        RuleViolation,
        closed,
    )
    rejected(
        world, lambda: world.do(c.CloseAccount(customer_id=cid, reason="x")), RuleViolation, closed
    )
    assert account(world, cid).ar_balance == D("0.00")


def test_account_with_unapplied_cash_or_open_orders_cannot_close(world: World) -> None:
    cid = world.account()
    world.pay(cid, "5.00", JAN)
    close = c.CloseAccount(customer_id=cid, reason="x")
    rejected(world, lambda: world.do(close), RuleViolation, "account-not-settled")
    other = world.account()
    world.order(other, ("A", 1, "5.00"))
    rejected(
        world,
        lambda: world.do(c.CloseAccount(customer_id=other, reason="x")),
        RuleViolation,
        "account-not-settled",
    )


# ---- settlement, write-offs, allocations ----------------------------------------------------


def _settled_count(world: World, iid: str) -> int:
    return sum(
        1
        for e in world.store.read(0, 10_000)
        if e.aggregate_id == iid and e.event_type == "InvoiceSettled"
    )


def test_settled_is_emitted_exactly_when_the_open_amount_reaches_zero(world: World) -> None:
    cid = world.account()
    iid = world.sell(cid, "100.00", JAN)["invoice_id"]
    world.pay(cid, "40.00", JAN, [(iid, None)])
    assert _settled_count(world, iid) == 0
    last = world.pay(cid, "60.00", JAN, [(iid, None)])
    assert _settled_count(world, iid) == 1
    world.do(c.ReversePayment(payment_id=UUID(last["payment_id"])))
    assert invoice(world, iid).status == "open" and _settled_count(world, iid) == 1
    world.pay(cid, "60.00", JAN, [(iid, None)])
    assert _settled_count(world, iid) == 2


def test_partial_write_off_keeps_the_invoice_open(world: World) -> None:
    cid = world.account()
    iid = UUID(world.sell(cid, "100.00", JAN)["invoice_id"])
    body = world.do(c.WriteOffInvoice(invoice_id=iid, amount=D("30"), reason="partial"))
    assert (body["status"], body["open_amount"]) == ("open", "70.00")
    rejected(
        world,
        lambda: world.do(c.WriteOffInvoice(invoice_id=iid, amount=D("70.01"), reason="x")),
        RuleViolation,
        "amount-exceeds-open",
    )
    assert _settled_count(world, str(iid)) == 0
    world.do(c.WriteOffInvoice(invoice_id=iid, reason="rest"))
    inv = invoice(world, iid)
    assert (inv.status, inv.written_off, inv.open_amount) == ("written_off", D("100.00"), D(0))
    assert _settled_count(world, str(iid)) == 1
    assert account(world, cid).ar_balance == D("0.00")


def test_explicit_partial_allocations_across_invoices(world: World) -> None:
    cid = world.account()
    a = world.sell(cid, "100.00", JAN)["invoice_id"]
    b = world.sell(cid, "100.00", JAN)["invoice_id"]
    body = world.pay(cid, "100.00", JAN, [(b, "30.00"), (a, "50.00")])
    assert [(x["invoice_id"], x["amount"]) for x in body["allocations"]] == [
        (b, "30.00"),
        (a, "50.00"),
    ]
    assert body["unapplied"] == "20.00"
    later = world.do(
        c.AllocatePayment(
            payment_id=UUID(body["payment_id"]), allocations=[c.AllocationIn(invoice_id=UUID(b))]
        )
    )
    assert later["applied"] == "20.00"
    assert (invoice(world, a).open_amount, invoice(world, b).open_amount) == (D("50"), D("50"))
    rejected(
        world,
        lambda: world.pay(cid, "10.00", JAN, [(a, None), (a, None)]),
        InvalidInput,
        "duplicate-invoice",
    )


def test_auto_allocation_spends_the_cash_a_discount_frees(world: World) -> None:
    cid = world.account(discount=("2", 10))
    first = world.sell(cid, "100.00", JAN)["invoice_id"]
    second = world.sell(cid, "50.00", date(2026, 1, 2))["invoice_id"]
    body = world.pay(cid, "100.00", date(2026, 1, 3))
    assert [(x["invoice_id"], x["amount"], x["discount"]) for x in body["allocations"]] == [
        (first, "98.00", "2.00"),
        (second, "2.00", "0.00"),
    ]
    assert body["unapplied"] == "0.00"


def test_dunning_thresholds_are_days_past_due(world: World) -> None:
    cid = world.account(net_days=10)
    iid = world.sell(cid, "10.00", JAN)["invoice_id"]  # due 2026-01-11

    def level_on(day: date) -> list[int]:
        return [r["level"] for r in world.do(c.RunDunning(as_of=day))["reminders"]]

    assert level_on(date(2026, 1, 11)) == []
    assert level_on(date(2026, 1, 12)) == [1]
    assert level_on(date(2026, 1, 25)) == []
    assert level_on(date(2026, 1, 26)) == [2]
    assert level_on(date(2026, 2, 9)) == []
    assert level_on(date(2026, 2, 10)) == [3]
    assert invoice(world, iid).dunning_level == 3


def test_disputed_invoice_is_dunned_again_after_resolution(world: World) -> None:
    cid = world.account(net_days=0)
    iid = UUID(world.sell(cid, "10.00", JAN)["invoice_id"])
    world.do(c.DisputeInvoice(invoice_id=iid, reason="qty"))
    assert world.do(c.RunDunning(as_of=date(2026, 1, 5)))["reminders_sent"] == 0
    world.do(c.ResolveDispute(invoice_id=iid))
    assert world.do(c.RunDunning(as_of=date(2026, 1, 5)))["reminders_sent"] == 1


def test_idempotency_key_reused_by_another_command_type_is_rejected(world: World) -> None:
    cid = world.account()
    ctx = CommandContext(idempotency_key="k-2")
    world.service.handle(c.PlaceCreditHold(customer_id=cid, reason="x"), ctx)
    rejected(
        world,
        lambda: world.service.handle(c.ReleaseCreditHold(customer_id=cid, reason="x"), ctx),
        IdempotencyKeyReused,
        "idempotency-key-reused",
    )
    again = world.service.handle(c.PlaceCreditHold(customer_id=cid, reason="x"), ctx)
    assert again.replayed and again.body["on_hold"] is True
