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
        page = rw.q.portfolio_aging(as_of=AS_OF, after=after, limit=2, **kw)  # type: ignore[arg-type]
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
    total = rw.q.portfolio_aging(as_of=AS_OF)["total"]
    assert total == "15.00" == str(sum(Decimal(str(row["total"])) for row in by_id))


def test_currencies_are_never_added_together(rw: ReadWorld) -> None:
    """JPY and USD in one book: the portfolio answers per currency, and its top-level figures
    are null unless one currency is asked for."""
    usd, jpy = open_account(rw, "U", "USD"), open_account(rw, "J", "JPY")
    rw.sell(usd, "2.00", date(2026, 1, 1))
    rw.sell(jpy, "500", date(2026, 2, 20))
    q = rw.project()
    page = q.portfolio_aging(as_of=AS_OF)
    assert (page["currency"], page["totals"], page["total"]) == (None, None, None)
    assert {row["currency"] for row in page["customers"]} == {"JPY", "USD"}
    by_currency = {b["currency"]: b for b in page["by_currency"]}
    assert (by_currency["JPY"]["total"], by_currency["USD"]["total"]) == ("500", "2.00")
    assert [b["amount"] for b in by_currency["JPY"]["totals"]][:2] == ["500", "0"]
    jpy_only = q.portfolio_aging(as_of=AS_OF, currency="JPY")
    assert (jpy_only["currency"], jpy_only["total"]) == ("JPY", "500")
    assert [row["customer_id"] for row in jpy_only["customers"]] == [str(jpy)]
    exposure = q.credit_exposures()
    assert exposure["currency"] is None
    assert {t["currency"]: t["ar_balance"] for t in exposure["by_currency"]} == {
        "JPY": "500",
        "USD": "2.00",
    }
    assert [e["currency"] for e in q.credit_exposures(currency="USD")["items"]] == ["USD"]
    kpis = q.kpis(start=date(2026, 1, 1), end=AS_OF)
    assert kpis["currency"] is None and kpis["closing_ar"] is None
    per = {k["currency"]: k for k in kpis["by_currency"]}
    assert (per["JPY"]["credit_sales"], per["USD"]["closing_ar"]) == ("500", "2.00")
    assert q.kpis(start=date(2026, 1, 1), end=AS_OF, currency="USD")["closing_ar"] == "2.00"


def test_a_single_currency_book_keeps_its_top_level_figures(rw: ReadWorld) -> None:
    eur = open_account(rw, "E")
    rw.sell(eur, "7.00", date(2026, 1, 1))
    q = rw.project()
    page = q.portfolio_aging(as_of=AS_OF)
    assert (page["currency"], page["total"]) == ("EUR", "7.00")
    assert page["by_currency"] == [{"currency": "EUR", "totals": page["totals"], "total": "7.00"}]
    assert q.kpis(start=date(2026, 1, 1), end=AS_OF)["closing_ar"] == "7.00"


@pytest.mark.parametrize(
    "kw",
    [
        {"buckets": "30,20"},
        {"buckets": "0,30"},
        {"buckets": "x"},
        {"buckets": "30,2147483648"},
        {"basis": "posting"},
        {"sort": "size"},
        {"sort": "name", "after": "not-a-cursor"},
    ],
)
def test_bad_parameters_are_invalid_input(rw_sqlite: ReadWorld, kw: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        rw_sqlite.q.portfolio_aging(as_of=AS_OF, **kw)  # type: ignore[arg-type]
