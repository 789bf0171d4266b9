"""A taxed book over HTTP, checked by hand: an invoice with lines at 19 %, 7 % and zero rated, a
credit note by amount, a write-off with bad-debt relief, a second invoice paid early with its
discount; the journal lines with their tax groups, the trial balance and the tax report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.ledger.conftest import Api, auth, serving, settings_for

NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    with serving(settings_for(tmp_path)) as (client, container):
        yield Api(client, container)


def posted(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body, headers=auth("admin"))
    assert response.status_code in (200, 201), response.text
    answer: dict[str, Any] = response.json()
    return answer


def invoice(client: TestClient, cid: str, on: str, *lines: tuple[str, int, str, str, str]) -> Any:
    """Order, ship and invoice (sku, quantity, unit price, category, rate) lines on ``on``."""
    ordered = [
        {"sku": s, "quantity": q, "unit_price": p, "tax_category": c, "tax_rate": r}
        for s, q, p, c, r in lines
    ]
    order = posted(client, "/v1/orders", {"customer_id": cid, "lines": ordered, "ordered_on": on})
    oid = order["order_id"]
    shipped = [{"sku": s, "quantity": q} for s, q, *_ in lines]
    posted(client, f"/v1/orders/{oid}/shipments", {"lines": shipped, "shipped_on": on})
    return posted(client, f"/v1/orders/{oid}/invoices", {"issued_on": on})


def taxed_book(client: TestClient) -> dict[str, Any]:
    terms = {"net_days": 30, "discount_percent": "2", "discount_days": 10}
    body = {"name": "Kunde", "currency": "EUR", "credit_limit": "100000", "payment_terms": terms}
    cid = posted(client, "/v1/customers", body)["customer_id"]
    # 200.00 at 19 % (38.00), 50.00 at 7 % (3.50), 30.00 zero rated: 321.50 gross.
    first = invoice(
        client,
        cid,
        "2026-11-02",
        ("A", 2, "100.00", "S", "19"),
        ("B", 1, "50.00", "S", "7"),
        ("C", 1, "30.00", "Z", "0"),
    )
    assert (first["net_total"], first["tax_total"], first["total"]) == ("280.00", "41.50", "321.50")
    iid = first["invoice_id"]
    # A tenth of the gross, split in proportion to the groups' gross: 23.80 (3.80 tax), 5.35
    # (0.35 tax) and 3.00.
    credit = {"amount": "32.15", "reason": "damaged", "issued_on": "2026-11-03"}
    posted(client, f"/v1/invoices/{iid}/credit-notes", credit)
    # The rest, 289.35, is exactly what is left of each group: 214.20, 48.15 and 27.00.
    posted(
        client,
        f"/v1/invoices/{iid}/write-off",
        {"reason": "insolvent", "written_off_on": "2026-11-20"},
    )
    # 100.00 at 19 %: 119.00, paid early with a 2 % discount of 2.38 (0.38 of it tax).
    second = invoice(client, cid, "2026-11-04", ("D", 1, "100.00", "S", "19"))
    payment = {
        "customer_id": cid,
        "amount": "116.62",
        "received_on": "2026-11-05",
        "allocations": [{"invoice_id": second["invoice_id"]}],
    }
    paid = posted(client, "/v1/payments", payment)
    assert [a["discount"] for a in paid["allocations"]] == ["2.38"]
    return {"first": iid, "second": second["invoice_id"], "payment": paid["payment_id"]}


def lines_by_fact(api: Api) -> dict[str, list[tuple[str, str, str, str | None, str | None]]]:
    found = api.get("/v1/gl/entries", limit=500, **NOVEMBER)
    assert found.status_code == 200, found.text
    grouped: dict[str, list[tuple[str, str, str, str | None, str | None]]] = {}
    for x in found.json()["items"]:
        row = (x["account"], x["debit"], x["credit"], x["tax_category"], x["tax_rate"])
        grouped.setdefault(x["fact"], []).append(row)
    return grouped


def test_the_journal_posts_revenue_and_output_tax_per_group(api: Api) -> None:
    taxed_book(api.client)
    assert lines_by_fact(api) == {
        "invoice": [
            ("1100", "321.50", "0.00", None, None),
            ("4000", "0.00", "200.00", "S", "19.00"),
            ("4000", "0.00", "50.00", "S", "7.00"),
            ("4000", "0.00", "30.00", "Z", "0.00"),
            ("2200", "0.00", "38.00", "S", "19.00"),
            ("2200", "0.00", "3.50", "S", "7.00"),
            ("1100", "119.00", "0.00", None, None),
            ("4000", "0.00", "100.00", "S", "19.00"),
            ("2200", "0.00", "19.00", "S", "19.00"),
        ],
        "credit_note": [
            ("4100", "20.00", "0.00", "S", "19.00"),
            ("4100", "5.00", "0.00", "S", "7.00"),
            ("4100", "3.00", "0.00", "Z", "0.00"),
            ("2200", "3.80", "0.00", "S", "19.00"),
            ("2200", "0.35", "0.00", "S", "7.00"),
            ("1100", "0.00", "32.15", None, None),
        ],
        "payment": [("1000", "116.62", "0.00", None, None), ("2100", "0.00", "116.62", None, None)],
        "cash_applied": [
            ("2100", "116.62", "0.00", None, None),
            ("4900", "2.38", "0.00", None, None),
            ("1100", "0.00", "119.00", None, None),
        ],
        "discount_tax": [
            ("2200", "0.38", "0.00", "S", "19.00"),
            ("4900", "0.00", "0.38", "S", "19.00"),
        ],
        "write_off": [
            ("6800", "180.00", "0.00", "S", "19.00"),
            ("6800", "45.00", "0.00", "S", "7.00"),
            ("6800", "27.00", "0.00", "Z", "0.00"),
            ("2200", "34.20", "0.00", "S", "19.00"),
            ("2200", "3.15", "0.00", "S", "7.00"),
            ("1100", "0.00", "289.35", None, None),
        ],
    }


def test_the_trial_balance_and_the_tax_report_agree(api: Api) -> None:
    taxed_book(api.client)
    tb = api.get("/v1/gl/trial-balance", as_of="2026-11-30").json()
    balances = {a["account"]: a["balance"] for a in tb["accounts"]}
    assert balances == {
        "1000": "116.62",
        "1100": "0.00",
        "2100": "0.00",
        "2200": "-18.62",
        "4000": "-380.00",
        "4100": "28.00",
        "4900": "2.00",  # the net discount: its tax went back to output tax
        "6800": "252.00",
    }
    assert tb["debit"] == tb["credit"]
    report = api.get("/v1/reports/tax", role="credit", currency="EUR", **NOVEMBER)
    assert report.status_code == 200, report.text
    assert report.json() == {
        "from": "2026-11-01",
        "to": "2026-11-30",
        "currency": "EUR",
        "rows": [
            {"category": "S", "rate": "19.00", "taxable": "98.00", "tax": "18.62"},
            {"category": "S", "rate": "7.00", "taxable": "0.00", "tax": "0.00"},
            {"category": "Z", "rate": "0.00", "taxable": "0.00", "tax": "0.00"},
        ],
        "taxable": "98.00",
        "tax": "18.62",
    }
    # Without the first invoice and its credit note: the write-off and the second invoice.
    late = api.get("/v1/reports/tax", role="auditor", **{"from": "2026-11-04", "to": "2026-11-30"})
    assert late.json()["rows"] == [
        {"category": "S", "rate": "19.00", "taxable": "-82.00", "tax": "-15.58"},
        {"category": "S", "rate": "7.00", "taxable": "-45.00", "tax": "-3.15"},
        {"category": "Z", "rate": "0.00", "taxable": "-27.00", "tax": "0.00"},
    ]


def test_the_export_shows_each_lines_tax_group(api: Api) -> None:
    taxed_book(api.client)
    csv_text = api.get("/v1/gl/export", **NOVEMBER).text.splitlines()
    assert csv_text[0].endswith(",tax_category,tax_rate")
    assert csv_text[2].endswith(",S,19.00") and csv_text[1].endswith(",,")


def test_the_tax_report_refuses_clerks_and_bad_periods(api: Api) -> None:
    assert api.get("/v1/reports/tax", role="clerk", **NOVEMBER).status_code == 403
    backwards = api.get("/v1/reports/tax", **{"from": "2026-11-30", "to": "2026-11-01"})
    assert (backwards.status_code, backwards.json()["code"]) == (422, "invalid-period")
    not_iso = api.get("/v1/reports/tax", **{"from": "01.11.2026", "to": "2026-11-30"})
    assert not_iso.status_code == 422
    assert api.get("/v1/reports/tax", **{"from": "2026-11-01"}).status_code == 422


def test_undoing_a_discounted_allocation_gives_the_discounts_tax_back_to_output_tax(
    api: Api,
) -> None:
    ids = taxed_book(api.client)
    undo = {"invoice_id": ids["second"], "reason": "wrong", "deallocated_on": "2026-11-06"}
    posted(api.client, f"/v1/payments/{ids['payment']}/deallocate", undo)
    assert lines_by_fact(api)["deallocation"] == [
        ("2100", "0.00", "116.62", None, None),
        ("4900", "0.00", "2.38", None, None),
        ("1100", "119.00", "0.00", None, None),
        ("4900", "0.38", "0.00", "S", "19.00"),
        ("2200", "0.00", "0.38", "S", "19.00"),
    ]
    tb = api.get("/v1/gl/trial-balance", as_of="2026-11-30").json()
    balances = {a["account"]: a["balance"] for a in tb["accounts"]}
    # The second invoice is open again, gross, and owes its whole 19.00 of output tax.
    assert (balances["1100"], balances["2200"], balances["4900"]) == ("119.00", "-19.00", "0.00")
    report = api.get("/v1/reports/tax", **NOVEMBER).json()
    assert (report["rows"][0]["taxable"], report["rows"][0]["tax"]) == ("100.00", "19.00")
