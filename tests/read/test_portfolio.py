"""Portfolio aging: paging by id and by name, validation, currencies."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

import pytest

from o2c import commands as c
from o2c.domain.errors import InvalidInput
from tests.read.conftest import ReadWorld

AS_OF = date(2026, 3, 1)


def open_account(rw: ReadWorld, name: str, currency: str = "EUR") -> UUID:
    body = rw.do(
        c.OpenAccount(
            name=name,
            currency=currency,
            credit_limit=Decimal("100000"),
            payment_terms=c.PaymentTermsIn(net_days=30),
        )
    )
    return UUID(body["customer_id"])


def every_page(rw: ReadWorld, **kw: object) -> list[dict[str, object]]:
    seen: list[dict[str, object]] = []
    after = None
    while True:
        page = rw.q.aging(as_of=AS_OF, after=after, limit=2, **kw)  # type: ignore[arg-type]
        seen += page["customers"]
        after = page["next"]
        if after is None:
            return seen


def test_pages_by_name_keep_duplicates_apart_and_skip_empty_accounts(rw: ReadWorld) -> None:
    """Five accounts: Delta 5, alpha-named Bravo twice (3 and 4), Alpha 1, Charlie 2 — and
    an account with nothing open (Empty), which no page lists."""
    amounts = {"Delta": "5", "Bravo": "3", "Alpha": "1", "Charlie": "2"}
    ids = {name: open_account(rw, name) for name in amounts}
    second_bravo = open_account(rw, "Bravo")
    open_account(rw, "Empty")
    for name, amount in amounts.items():
        rw.sell(ids[name], f"{amount}.00", date(2026, 1, 1))
    rw.sell(second_bravo, "4.00", date(2026, 1, 1))
    rw.project()
    by_name = every_page(rw, sort="name")
    assert [row["name"] for row in by_name] == ["Alpha", "Bravo", "Bravo", "Charlie", "Delta"]
    bravos = sorted([str(ids["Bravo"]), str(second_bravo)])
    assert [row["customer_id"] for row in by_name[1:3]] == bravos
    by_id = every_page(rw)
    assert [row["customer_id"] for row in by_id] == sorted(r["customer_id"] for r in by_name)  # type: ignore[type-var]
    total = rw.q.aging(as_of=AS_OF)["total"]
    assert total == "15.00" == str(sum(Decimal(str(row["total"])) for row in by_id))


def test_mixed_currencies_have_no_portfolio_currency(rw: ReadWorld) -> None:
    eur, usd = open_account(rw, "E"), open_account(rw, "U", "USD")
    rw.sell(eur, "1.00", date(2026, 1, 1))
    rw.sell(usd, "2.00", date(2026, 1, 1))
    page = rw.project().aging(as_of=AS_OF)
    assert page["currency"] is None
    assert {row["currency"] for row in page["customers"]} == {"EUR", "USD"}


@pytest.mark.parametrize(
    "kw",
    [
        {"buckets": "30,20"},
        {"buckets": "0,30"},
        {"buckets": "x"},
        {"basis": "posting"},
        {"sort": "size"},
        {"sort": "name", "after": "not-a-cursor"},
    ],
)
def test_bad_parameters_are_invalid_input(rw_sqlite: ReadWorld, kw: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        rw_sqlite.q.aging(as_of=AS_OF, **kw)  # type: ignore[arg-type]
