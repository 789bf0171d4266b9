"""Aging by hand: every bucket edge, as-of dates, custom buckets, basis and paging."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from o2c import commands as c
from tests.read.conftest import ReadWorld
from tests.support.world import D

AS_OF = date(2026, 6, 30)
EDGES = [0, 1, 30, 31, 60, 61, 90, 91, 120, 121]


def amounts(result: dict[str, object]) -> dict[str, str]:
    buckets = result["buckets"] if "buckets" in result else result["totals"]
    return {b["label"]: b["amount"] for b in buckets}  # type: ignore[attr-defined, index]


def test_every_bucket_edge(rw: ReadWorld) -> None:
    """Invoices due today and 1…121 days ago, worth 1, 2, 4, … 512 so each bucket is provable.

    current: age 0 → 1; 1-30: ages 1 and 30 → 2+4; 31-60: 31, 60 → 8+16; 61-90: 61, 90 → 32+64;
    91-120: 91, 120 → 128+256; 120+: 121 → 512.
    """
    cid = rw.account(net_days=0)
    for i, age in enumerate(EDGES):
        rw.sell(cid, str(2**i), AS_OF - timedelta(days=age))
    q = rw.project()
    result = q.customer_aging(cid, as_of=AS_OF)
    assert amounts(result) == {
        "current": "1.00",
        "1-30": "6.00",
        "31-60": "24.00",
        "61-90": "96.00",
        "91-120": "384.00",
        "120+": "512.00",
    }
    assert result["total"] == "1023.00"
    portfolio = q.portfolio_aging(as_of=AS_OF)
    assert amounts(portfolio) == amounts(result) and portfolio["total"] == "1023.00"
    assert portfolio["customers"][0]["customer_id"] == str(cid)


def test_custom_buckets_and_invoice_basis(rw: ReadWorld) -> None:
    cid = rw.account(net_days=30)
    rw.sell(cid, "10.00", AS_OF - timedelta(days=45))  # due 15 days ago
    rw.sell(cid, "20.00", AS_OF - timedelta(days=5))  # not due
    q = rw.project()
    by_due = q.customer_aging(cid, as_of=AS_OF, buckets="10,20")
    assert amounts(by_due) == {"current": "20.00", "1-10": "0.00", "11-20": "10.00", "20+": "0.00"}
    by_invoice = q.customer_aging(cid, as_of=AS_OF, buckets="10,20", basis="invoice")
    assert amounts(by_invoice) == {
        "current": "0.00",
        "1-10": "20.00",
        "11-20": "0.00",
        "20+": "10.00",
    }


def test_as_of_before_the_invoice_and_between_payments(rw: ReadWorld) -> None:
    cid = rw.account(net_days=30)
    inv = rw.sell(cid, "100.00", date(2026, 1, 1))
    rw.pay(cid, "30.00", date(2026, 1, 10), [(inv["invoice_id"], None)])
    rw.pay(cid, "50.00", date(2026, 1, 20), [(inv["invoice_id"], None)])
    q = rw.project()

    def total(day: date) -> str:
        return str(q.customer_aging(cid, as_of=day)["total"])

    assert total(date(2025, 12, 31)) == "0.00"
    assert total(date(2026, 1, 5)) == "100.00"
    assert total(date(2026, 1, 15)) == "70.00"
    assert total(date(2026, 1, 25)) == "20.00"
    assert amounts(q.customer_aging(cid, as_of=date(2026, 2, 10)))["1-30"] == "20.00"


def test_portfolio_pages_add_up_to_the_totals(rw: ReadWorld) -> None:
    customers = [rw.account(net_days=10) for _ in range(5)]
    for n, cid in enumerate(customers, start=1):
        rw.sell(cid, f"{n}.00", date(2026, 1, 1))
    q = rw.project()
    seen, after, pages = [], None, 0
    while True:
        page = q.portfolio_aging(as_of=AS_OF, after=after, limit=2)
        seen += page["customers"]
        pages += 1
        after = page["next"]
        if after is None:
            break
    assert pages == 3 and len(seen) == 5
    assert sum(D(c["total"]) for c in seen) == D(page["total"]) == D("15.00")


def test_statement_running_balance(rw: ReadWorld) -> None:
    cid = rw.account(net_days=30)
    rw.sell(cid, "100.00", date(2026, 1, 5))
    inv = rw.sell(cid, "200.00", date(2026, 2, 1))
    rw.pay(cid, "150.00", date(2026, 2, 10))
    rw.do(
        c.ApplyCreditNote(
            invoice_id=UUID(inv["invoice_id"]),
            amount=D("20"),
            reason="dmg",
            issued_on=date(2026, 2, 12),
        )
    )
    statement = rw.project().statement(cid, start=date(2026, 2, 1), end=date(2026, 2, 28))
    assert statement is not None
    assert statement["opening_balance"] == "100.00"
    lines = [(ln["kind"], ln["debit"], ln["credit"], ln["balance"]) for ln in statement["lines"]]
    assert lines == [
        ("invoice", "200.00", "0.00", "300.00"),
        ("payment", "0.00", "150.00", "150.00"),
        ("credit_note", "0.00", "20.00", "130.00"),
    ]
    assert statement["closing_balance"] == "130.00"


def test_dso_and_cei_on_a_small_book(rw: ReadWorld) -> None:
    """Period 2026-03-01 … 2026-03-30 (N = 30 days), net 30 terms.

    Opening AR (as of 02-28): invoice A 1000 (issued 02-01, due 03-03).
    March: A paid 600 on 03-20; invoice B 500 issued 03-10 (due 04-09); invoice C 300 issued
    03-25 (due 04-24). Credit sales = 800. Closing AR = 400 (A) + 500 + 300 = 1200, of which
    current (not yet due on 03-30) = 800, overdue = 400.
    DSO = 1200 / 800 × 30 = 45; best possible DSO = 800 / 800 × 30 = 30; ADD = 15.
    CEI = (1000 + 800 − 1200) / (1000 + 800 − 800) × 100 = 60. Overdue share = 400/1200 = 33.33 %.
    """
    cid = rw.account(net_days=30)
    a = rw.sell(cid, "1000.00", date(2026, 2, 1))
    rw.pay(cid, "600.00", date(2026, 3, 20), [(a["invoice_id"], None)])
    rw.sell(cid, "500.00", date(2026, 3, 10))
    rw.sell(cid, "300.00", date(2026, 3, 25))
    k = rw.project().kpis(start=date(2026, 3, 1), end=date(2026, 3, 30))
    assert (k["opening_ar"], k["credit_sales"], k["closing_ar"], k["closing_current_ar"]) == (
        "1000.00",
        "800.00",
        "1200.00",
        "800.00",
    )
    assert (k["dso"], k["best_possible_dso"], k["average_days_delinquent"]) == (
        "45.00",
        "30.00",
        "15.00",
    )
    assert (k["cei"], k["overdue_share"]) == ("60.00", "33.33")


def test_exposure_worklist_and_dunning_customers(rw: ReadWorld) -> None:
    cid = rw.account(limit="1000", net_days=10)
    big = rw.sell(cid, "900.00", date(2026, 1, 1))
    small = rw.sell(cid, "50.00", date(2026, 1, 1))
    rw.do(c.DisputeInvoice(invoice_id=UUID(small["invoice_id"]), reason="qty"))
    rw.pay(cid, "100.00", date(2026, 1, 2), [])
    rw.order(cid, ("A", 1, "400.00"))
    q = rw.project()
    exposure = q.credit_exposure(cid)
    assert exposure is not None
    assert (exposure["ar_balance"], exposure["open_orders"], exposure["unapplied_cash"]) == (
        "950.00",
        "0.00",
        "100.00",
    )
    assert (exposure["exposure"], exposure["available"], exposure["over_limit"]) == (
        "850.00",
        "150.00",
        False,
    )
    work = q.worklist(as_of=date(2026, 2, 1))["items"]
    assert [w["invoice_id"] for w in work] == [big["invoice_id"], small["invoice_id"]]
    assert work[1]["disputed"] is True and work[0]["days_past_due"] == 21
    assert q.customers_with_overdue(date(2026, 2, 1)) == [cid]
    assert q.customers_with_overdue(date(2026, 1, 11)) == []
    items = q.open_items(cid, as_of=date(2026, 2, 1), disputed=True)["items"]
    assert [i["invoice_id"] for i in items] == [small["invoice_id"]]
