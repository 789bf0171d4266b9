"""The aging and the worklist as CSV: every row of every page of the JSON report, its figures
unchanged, its order kept, and a name a spreadsheet would run as a formula kept as text."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from o2c.api.routes import exports
from tests.api.conftest import auth

TODAY = date.today()


def post(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = client.post(path, json=body, headers=auth("admin"))
    assert answer.status_code in (200, 201), answer.text
    data: dict[str, Any] = answer.json()
    return data


def book(client: TestClient) -> int:
    """Five customers (one named like a formula, one in JPY), each with invoices of several
    ages; the log position reached."""
    position = 0
    names = ["Alpha", '=HYPERLINK("x")', "Gamma", "Delta", "Yen Co"]
    for n, name in enumerate(names):
        currency = "JPY" if name == "Yen Co" else "EUR"
        cid = post(
            client,
            "/v1/customers",
            {
                "name": name,
                "currency": currency,
                "credit_limit": "10000000",
                "payment_terms": {"net_days": 10},
            },
        )["customer_id"]
        for k, back in enumerate((3, 25, 50, 130)):
            day = (TODAY - timedelta(days=back + n)).isoformat()
            price = str(100 * (n + 1) + k) if currency == "JPY" else f"{n + 1}{k}.5{k}"
            line = {"sku": "A", "quantity": 1, "unit_price": price}
            oid = post(
                client, "/v1/orders", {"customer_id": cid, "lines": [line], "ordered_on": day}
            )["order_id"]
            post(
                client,
                f"/v1/orders/{oid}/shipments",
                {"lines": [{"sku": "A", "quantity": 1}], "shipped_on": day},
            )
            position = post(client, f"/v1/orders/{oid}/invoices", {"issued_on": day})["position"]
    return int(position)


def rows(answer: Any) -> list[dict[str, str]]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"].startswith("attachment; filename=")
    return list(csv.DictReader(io.StringIO(answer.text)))


def pages(client: TestClient, path: str, key: str, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    after = None
    while True:
        query = {**params, "limit": 2, **({"after": after} if after else {})}
        body = client.get(path, params=query, headers=auth("auditor")).json()
        found.extend(body[key])
        after = body["next"]
        if not after:
            return found


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files of several pages without a big book."""
    monkeypatch.setattr(exports, "PAGE", 2)


@pytest.mark.usefixtures("small_pages")
def test_the_aging_file_holds_every_customer_line(client: TestClient) -> None:
    at = book(client)
    answer = client.get(f"/v1/aging.csv?min_position={at}", headers=auth("auditor"))
    lines = rows(answer)
    expected = pages(client, "/v1/aging", "customers")
    assert sorted(r["customer_id"] for r in lines) == sorted(c["customer_id"] for c in expected)
    assert [r["name"] for r in lines] == sorted(r["name"] for r in lines)  # by name
    for line in expected:
        [row] = [r for r in lines if r["customer_id"] == line["customer_id"]]
        assert row["currency"] == line["currency"] and row["total"] == line["total"]
        assert {b["label"]: b["amount"] for b in line["buckets"]} == {
            b["label"]: row[b["label"]] for b in line["buckets"]
        }
    names = {r["name"] for r in lines}
    assert '\'=HYPERLINK("x")' in names and "Yen Co" in names
    # the parameters are those of the JSON report, refused alike
    bad = client.get("/v1/aging.csv?buckets=30,x", headers=auth("auditor"))
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")


@pytest.mark.usefixtures("small_pages")
def test_the_worklist_file_keeps_the_worklists_rows_and_order(client: TestClient) -> None:
    at = book(client)
    as_of = (TODAY - timedelta(days=1)).isoformat()
    answer = client.get(
        f"/v1/collections/worklist.csv?as_of={as_of}&min_position={at}", headers=auth("clerk")
    )
    lines = rows(answer)
    expected = pages(client, "/v1/collections/worklist", "items", as_of=as_of)
    assert len(expected) > 2 * exports.PAGE
    assert [r["invoice_id"] for r in lines] == [i["invoice_id"] for i in expected]
    for row, item in zip(lines, expected, strict=True):
        assert row["open_amount"] == item["open_amount"]
        assert int(row["days_past_due"]) == item["days_past_due"]
        assert row["number"] == item["number"]
    assert all(not r["customer_name"].startswith("=") for r in lines)
    assert client.get("/v1/collections/worklist.csv").status_code == 401
