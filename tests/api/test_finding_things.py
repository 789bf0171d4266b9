"""A clerk finds customers, invoices and payments over HTTP; lists are paged; currencies stay
apart; out-of-range query parameters are a 422."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import auth


def post(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body, headers=auth("admin"))
    assert response.status_code in (200, 201), response.text
    data: dict[str, Any] = response.json()
    return data


def get(client: TestClient, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(path, params=params, headers=auth("auditor"))
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def customer(client: TestClient, name: str, currency: str) -> str:
    body = {
        "name": name,
        "currency": currency,
        "credit_limit": "1000000",
        "payment_terms": {"net_days": 30},
    }
    return str(post(client, "/v1/customers", body)["customer_id"])


def invoice(client: TestClient, cid: str, price: str) -> dict[str, Any]:
    line = {"sku": "A", "quantity": 1, "unit_price": price}
    order = post(client, "/v1/orders", {"customer_id": cid, "lines": [line]})
    oid = order["order_id"]
    post(client, f"/v1/orders/{oid}/shipments", {"lines": [{"sku": "A", "quantity": 1}]})
    return post(client, f"/v1/orders/{oid}/invoices", {"issued_on": "2026-01-05"})


def test_find_customers_invoices_and_payments(client: TestClient) -> None:
    eur = customer(client, "Acme Europe", "EUR")
    jpy = customer(client, "Acme Japan", "JPY")
    customer(client, "Other", "EUR")
    first = invoice(client, eur, "100.00")
    invoice(client, eur, "50.00")
    invoice(client, jpy, "3000")
    pay = post(
        client,
        "/v1/payments",
        {"customer_id": eur, "amount": "30.00", "received_on": "2026-01-06"},
    )
    at = pay["position"]
    found = get(client, "/v1/customers", q="acme", limit=1, min_position=at)
    assert [c["name"] for c in found["items"]] == ["Acme Europe"] and found["next"]
    rest = get(client, "/v1/customers", q="acme", after=found["next"])
    assert [c["name"] for c in rest["items"]] == ["Acme Japan"] and rest["next"] is None
    mine = get(client, "/v1/invoices", customer_id=eur)["items"]
    assert [i["total"] for i in mine] == ["100.00", "50.00"]
    by_number = get(client, "/v1/invoices", number=first["number"])["items"]
    assert [i["invoice_id"] for i in by_number] == [first["invoice_id"]]
    payment = get(client, f"/v1/payments/{pay['payment_id']}")
    assert payment["allocations"] == [
        {"invoice_id": first["invoice_id"], "amount": "30.00", "discount": "0.00"}
    ]
    listed = get(client, "/v1/payments", customer_id=eur)["items"]
    assert [p["payment_id"] for p in listed] == [pay["payment_id"]]
    assert get(client, "/v1/payments", unapplied="true")["items"] == []
    missing = client.get(f"/v1/payments/{'0' * 8}-0000-0000-0000-{'0' * 12}", headers=auth("clerk"))
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


def test_portfolio_answers_per_currency(client: TestClient) -> None:
    invoice(client, customer(client, "E", "EUR"), "100.00")
    last = invoice(client, customer(client, "J", "JPY"), "3000")
    aging = get(client, "/v1/aging", as_of="2026-03-01", min_position=last["position"])
    assert (aging["currency"], aging["total"]) == (None, None)
    assert {b["currency"]: b["total"] for b in aging["by_currency"]} == {
        "EUR": "100.00",
        "JPY": "3000",
    }
    jpy = get(client, "/v1/aging", as_of="2026-03-01", currency="JPY")
    assert (jpy["currency"], jpy["total"]) == ("JPY", "3000")
    kpis = get(client, "/v1/kpis", **{"from": "2026-01-01", "to": "2026-03-01"})
    assert {k["currency"] for k in kpis["by_currency"]} == {"EUR", "JPY"}
    exposure = get(client, "/v1/credit-exposure", currency="EUR")
    assert [e["currency"] for e in exposure["items"]] == ["EUR"]


def test_out_of_range_parameters_are_422(client: TestClient) -> None:
    cid = customer(client, "E", "EUR")
    for path, params in [
        ("/v1/aging", {"buckets": "2147483648"}),
        ("/v1/aging", {"buckets": "30,60,99999999999999999999"}),
        ("/v1/aging", {"currency": "eur"}),
        (f"/v1/customers/{cid}/aging", {"buckets": "2147483648"}),
        (f"/v1/customers/{cid}/open-items", {"after": "bm90LWEtY3Vyc29y"}),
        ("/v1/invoices", {"after": "WyJ4IiwiYiIsImMiXQ=="}),
        ("/v1/invoices", {"limit": "1001"}),
        ("/v1/collections/worklist", {"after": "x"}),
        ("/v1/payments", {"after": "WzEsMl0="}),
    ]:
        response = client.get(path, params=params, headers=auth("auditor"))
        assert response.status_code == 422, (path, params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


def test_text_and_dates_in_query_parameters_are_422(client: TestClient) -> None:
    for path, params in [
        ("/v1/customers", {"q": "a\x00b"}),
        ("/v1/invoices", {"number": "INV\x00"}),
        ("/v1/kpis", {"to": "0001-01-05"}),
        ("/v1/kpis", {"from": "0001-01-01", "to": "0001-02-01"}),
    ]:
        response = client.get(path, params=params, headers=auth("auditor"))
        assert response.status_code == 422, (path, params, response.text)
