"""Every list is paged (keyset cursors, no duplicates, nothing skipped), and a clerk can find
customers, invoices and payments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from o2c import commands as c
from o2c.domain.errors import InvalidInput
from tests.read.conftest import ReadWorld

JAN = date(2026, 1, 1)
AS_OF = date(2026, 6, 1)


def all_pages(fetch: Callable[[str | None], Any], key: str = "items") -> list[Any]:
    """Every row of a paged list, following ``next`` until it ends."""
    rows: list[Any] = []
    after: str | None = None
    for _ in range(100):
        page = fetch(after)
        assert len(page[key]) <= 2
        rows += page[key]
        after = page["next"]
        if after is None:
            return rows
    raise AssertionError("paging did not end")


def book(rw: ReadWorld) -> tuple[UUID, list[str]]:
    cid = rw.account(limit="100000", net_days=10)
    invoices = [
        rw.sell(cid, f"{10 * n}.00", date(2026, 1, 1 + n))["invoice_id"] for n in range(1, 6)
    ]
    return cid, invoices


def test_open_items_page_oldest_due_first(rw: ReadWorld) -> None:
    cid, invoices = book(rw)
    q = rw.project()
    rows = all_pages(lambda a: q.open_items(cid, as_of=AS_OF, after=a, limit=2))
    assert [r["invoice_id"] for r in rows] == invoices


def test_statement_pages_continue_the_running_balance(rw: ReadWorld) -> None:
    cid, _ = book(rw)
    rw.pay(cid, "25.00", date(2026, 1, 20))
    q = rw.project()
    whole = q.statement(cid, start=JAN, end=AS_OF, limit=1000)
    assert whole is not None and whole["next"] is None
    paged = all_pages(
        lambda a: q.statement(cid, start=JAN, end=AS_OF, after=a, limit=2), key="lines"
    )
    assert paged == whole["lines"] and len(paged) == 6
    assert whole["closing_balance"] == paged[-1]["balance"] == "125.00"


def test_worklist_pages_by_priority(rw: ReadWorld) -> None:
    book(rw)
    q = rw.project()
    whole = q.worklist(as_of=AS_OF, limit=1000)["items"]
    assert len(whole) == 5
    assert all_pages(lambda a: q.worklist(as_of=AS_OF, after=a, limit=2)) == whole
    priorities = [Decimal(r["priority"]) for r in whole]
    assert priorities == sorted(priorities, reverse=True)


def test_find_invoices_by_customer_status_number_and_due_date(rw: ReadWorld) -> None:
    cid, invoices = book(rw)
    other = rw.account()
    rw.sell(other, "1.00", JAN)
    rw.pay(cid, "10.00", date(2026, 1, 5), [(invoices[0], None)])
    q = rw.project()
    mine = all_pages(lambda a: q.invoices(today=AS_OF, customer_id=cid, after=a, limit=2))
    assert [r["invoice_id"] for r in mine] == invoices
    settled = q.invoices(today=AS_OF, customer_id=cid, status="settled")["items"]
    assert [r["invoice_id"] for r in settled] == [invoices[0]]
    number = mine[2]["number"]
    assert [r["invoice_id"] for r in q.invoices(today=AS_OF, number=number)["items"]] == [
        invoices[2]
    ]
    early = q.invoices(today=AS_OF, customer_id=cid, due_before=date(2026, 1, 14))["items"]
    assert [r["invoice_id"] for r in early] == invoices[:2]
    overdue = q.invoices(today=date(2026, 1, 14), customer_id=cid, overdue=True)["items"]
    assert [r["invoice_id"] for r in overdue] == [invoices[1]]  # the first one is paid


def test_find_customers_by_name_part(rw: ReadWorld) -> None:
    names = ["Acme Ltd", "ACME GmbH", "Beta 100%", "acmeish", "Zeta"]
    for name in names:
        rw.do(
            c.OpenAccount(
                name=name,
                currency="EUR",
                credit_limit=Decimal(1),
                payment_terms=c.PaymentTermsIn(net_days=30),
            )
        )
    q = rw.project()
    found = all_pages(lambda a: q.customers(q="acme", after=a, limit=2))
    assert [r["name"] for r in found] == ["ACME GmbH", "Acme Ltd", "acmeish"]
    assert [r["name"] for r in q.customers(q="100%")["items"]] == ["Beta 100%"]
    assert [r["name"] for r in q.customers(q="_")["items"]] == []
    assert len(all_pages(lambda a: q.customers(after=a, limit=2))) == 5


def test_look_up_a_payment_and_list_unapplied_cash(rw: ReadWorld) -> None:
    cid, invoices = book(rw)
    applied = UUID(rw.pay(cid, "10.00", date(2026, 1, 5))["payment_id"])
    spare = UUID(rw.pay(cid, "7.00", date(2026, 1, 6), [])["payment_id"])
    q = rw.project()
    payment = q.payment(applied)
    assert payment is not None
    assert (payment["amount"], payment["applied"], payment["unapplied"]) == (
        "10.00",
        "10.00",
        "0.00",
    )
    assert payment["allocations"] == [
        {"invoice_id": invoices[0], "amount": "10.00", "discount": "0.00"}
    ]
    listed = all_pages(lambda a: q.payments(customer_id=cid, after=a, limit=1))
    assert [p["payment_id"] for p in listed] == [str(spare), str(applied)]  # newest first
    assert [p["payment_id"] for p in q.payments(unapplied=True)["items"]] == [str(spare)]
    assert q.payment(UUID(int=0)) is None


@pytest.mark.parametrize("cursor", ["x", "WzFd", "W10=", "WyJhIiwiYiIsImMiXQ=="])
def test_a_bad_cursor_is_invalid_input(rw_sqlite: ReadWorld, cursor: str) -> None:
    cid, _ = book(rw_sqlite)
    q = rw_sqlite.project()
    with pytest.raises(InvalidInput):
        q.open_items(cid, as_of=AS_OF, after=cursor)
