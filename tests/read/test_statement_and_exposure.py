"""Statements and exposure by hand: discounts given and taken back, deallocation, reversal."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from o2c import commands as c
from tests.read.conftest import ReadWorld
from tests.support.world import D


def lines(statement: dict[str, object]) -> list[tuple[str, str, str, str]]:
    return [
        (ln["kind"], ln["debit"], ln["credit"], ln["balance"])
        for ln in statement["lines"]  # type: ignore[attr-defined]
    ]


def test_discount_deallocation_and_bounced_payment(rw: ReadWorld) -> None:
    """Terms 2 % / 10 days, net 30. Invoice 100.00 on 01-05, payment 98.00 on 01-10 pays it
    (discount 2.00). 01-12 the allocation is undone: the invoice is open 100 again and 98 is
    unapplied cash. 01-15 the payment bounces. Statement (everything the customer owes):
    +100 invoice = 100; −98 payment = 2; −2 discount = 0; +2 discount given back = 2;
    +98 payment reversed = 100. AR 100, unapplied 0, exposure 100.
    """
    cid = rw.account(net_days=30, discount=("2", 10))
    inv = rw.sell(cid, "100.00", date(2026, 1, 5))
    iid = UUID(inv["invoice_id"])
    rw.clock.today = date(2026, 1, 10)
    pay = rw.pay(cid, "98.00", date(2026, 1, 10), [(iid, None)])
    pid = UUID(pay["payment_id"])
    q = rw.project()
    invoice = q.invoice(iid)
    assert invoice is not None
    assert (invoice["status"], invoice["open_amount"], invoice["discount_taken"]) == (
        "settled",
        "0.00",
        "2.00",
    )
    rw.clock.today = date(2026, 1, 12)
    rw.do(c.DeallocatePayment(payment_id=pid, invoice_id=iid, reason="wrong invoice"))
    q = rw.project()
    exposure = q.credit_exposure(cid)
    assert exposure is not None
    assert (exposure["ar_balance"], exposure["unapplied_cash"], exposure["exposure"]) == (
        "100.00",
        "98.00",
        "2.00",
    )
    rw.clock.today = date(2026, 1, 15)
    rw.do(c.ReversePayment(payment_id=pid, reason="NSF"))
    q = rw.project()
    statement = q.statement(cid, start=date(2026, 1, 1), end=date(2026, 1, 31))
    assert statement is not None
    assert statement["opening_balance"] == "0.00"
    assert lines(statement) == [
        ("invoice", "100.00", "0.00", "100.00"),
        ("payment", "0.00", "98.00", "2.00"),
        ("discount", "0.00", "2.00", "0.00"),
        ("discount_reversal", "2.00", "0.00", "2.00"),
        ("payment_reversal", "98.00", "0.00", "100.00"),
    ]
    assert statement["closing_balance"] == "100.00"
    exposure = q.credit_exposure(cid)
    assert exposure is not None
    assert (exposure["ar_balance"], exposure["unapplied_cash"], exposure["exposure"]) == (
        "100.00",
        "0.00",
        "100.00",
    )
    invoice = q.invoice(iid)
    assert invoice is not None
    assert (invoice["status"], invoice["open_amount"], invoice["discount_taken"]) == (
        "open",
        "100.00",
        "0.00",
    )
    # As of the day the discount was taken the item was settled; two days later open again.
    assert q.customer_aging(cid, as_of=date(2026, 1, 10))["total"] == "0.00"
    assert q.customer_aging(cid, as_of=date(2026, 1, 12))["total"] == "100.00"


def test_exposure_pages_and_over_limit_filter(rw: ReadWorld) -> None:
    """Three accounts, limit 100 each: A owes 150 (over), B 50, C has an approved open order
    of 120 (over: open orders count). Pages of two, ordered by id."""
    a, b, cc = (rw.account(limit="100", net_days=10) for _ in range(3))
    rw.sell(a, "60.00", date(2026, 1, 1))
    rw.sell(a, "90.00", date(2026, 1, 2))
    rw.sell(b, "50.00", date(2026, 1, 1))
    order = rw.order(cc, ("A", 1, "120.00"))
    rw.do(c.ApproveOrder(order_id=UUID(order["order_id"])))
    q = rw.project()
    over = q.credit_exposures(over_limit=True)["items"]
    assert sorted(e["customer_id"] for e in over) == sorted([str(a), str(cc)])
    by_id = {e["customer_id"]: e for e in over}
    assert by_id[str(a)]["available"] == "-50.00" and by_id[str(a)]["utilization"] == "150.00"
    assert by_id[str(cc)]["open_orders"] == "120.00"
    first = q.credit_exposures(limit=2)
    second = q.credit_exposures(limit=2, after=first["next"])
    ids = [e["customer_id"] for e in first["items"] + second["items"]]
    assert ids == sorted(str(x) for x in (a, b, cc)) and second["next"] is None
    assert [e["customer_id"] for e in q.credit_exposures(over_limit=False)["items"]] == [str(b)]


def test_open_items_filters_and_days_past_due(rw: ReadWorld) -> None:
    cid = rw.account(net_days=10)
    old = rw.sell(cid, "10.00", date(2026, 1, 1))  # due 01-11
    new = rw.sell(cid, "20.00", date(2026, 1, 25))  # due 02-04
    paid = rw.sell(cid, "5.00", date(2026, 1, 1))
    rw.pay(cid, "5.00", date(2026, 1, 2), [(paid["invoice_id"], None)])
    q = rw.project()
    items = q.open_items(cid, as_of=date(2026, 2, 1))["items"]
    assert [(i["invoice_id"], i["days_past_due"]) for i in items] == [
        (old["invoice_id"], 21),
        (new["invoice_id"], -3),
    ]
    overdue = q.open_items(cid, as_of=date(2026, 2, 1), overdue=True)["items"]
    assert [i["invoice_id"] for i in overdue] == [old["invoice_id"]]
    not_overdue = q.open_items(cid, as_of=date(2026, 2, 1), overdue=False)["items"]
    assert [i["invoice_id"] for i in not_overdue] == [new["invoice_id"]]
    assert q.open_items(cid, as_of=date(2026, 2, 1), status="settled")["items"] == []
    assert D(items[0]["open_amount"]) + D(items[1]["open_amount"]) == D("30.00")


def test_open_items_as_of_a_past_date(rw: ReadWorld) -> None:
    """Invoice 100 on 01-01 (due 01-11), paid 60 on 01-20 and 40 on 02-10: on 01-05 it is
    open 100 (not yet due), on 01-25 open 40 and 14 days past due, on 02-15 not open at all.
    The invoice of 7 issued 01-30 (due 02-09) does not exist yet on 01-25 and is 6 days late
    on 02-15."""
    cid = rw.account(net_days=10)
    inv = rw.sell(cid, "100.00", date(2026, 1, 1))
    rw.pay(cid, "60.00", date(2026, 1, 20), [(inv["invoice_id"], None)])
    later = rw.sell(cid, "7.00", date(2026, 1, 30))
    rw.pay(cid, "40.00", date(2026, 2, 10), [(inv["invoice_id"], None)])
    q = rw.project()

    def seen(day: date) -> list[tuple[str, str, int]]:
        items = q.open_items(cid, as_of=day)["items"]
        return [(i["invoice_id"], i["open_amount"], i["days_past_due"]) for i in items]

    assert seen(date(2026, 1, 5)) == [(inv["invoice_id"], "100.00", -6)]
    assert seen(date(2026, 1, 25)) == [(inv["invoice_id"], "40.00", 14)]
    assert seen(date(2026, 2, 15)) == [(later["invoice_id"], "7.00", 6)]  # due 02-09


def test_a_credit_note_line_names_its_credit_note(rw: ReadWorld) -> None:
    """The statement's credit-note line carries the credit note's own id (its PDF is found by
    it); no other line does."""
    cid = rw.account(net_days=30)
    inv = rw.sell(cid, "100.00", date(2026, 1, 5))
    rw.clock.today = date(2026, 1, 9)
    first = rw.do(
        c.ApplyCreditNote(
            invoice_id=UUID(inv["invoice_id"]),
            amount="10.00",
            reason="damaged",
            issued_on=date(2026, 1, 9),
        )
    )
    second = rw.do(
        c.ApplyCreditNote(
            invoice_id=UUID(inv["invoice_id"]),
            amount="5.00",
            reason="late",
            issued_on=date(2026, 1, 9),
        )
    )
    statement = rw.project().statement(cid, start=date(2026, 1, 1), end=date(2026, 1, 31))
    assert statement is not None
    found = [(ln["kind"], ln["reference"], ln["credit_note_id"]) for ln in statement["lines"]]
    assert found == [
        ("invoice", inv["number"], None),
        ("credit_note", first["credit_note"]["number"], first["credit_note"]["credit_note_id"]),
        ("credit_note", second["credit_note"]["number"], second["credit_note"]["credit_note_id"]),
    ]
