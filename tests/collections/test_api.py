"""The collections endpoints over HTTP: who may do what, refusals as problems, and shapes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import auth, client

__all__ = ["client"]

TODAY = date.today()


def _post(client: TestClient, path: str, body: dict[str, Any], role: str = "clerk") -> Any:
    response = client.post(path, json=body, headers=auth(role))
    assert response.status_code in (200, 201), response.text
    return response.json()


def _get(client: TestClient, path: str, **params: Any) -> Any:
    response = client.get(path, params=params, headers=auth("auditor"))
    assert response.status_code == 200, response.text
    return response.json()


def _overdue_invoice(client: TestClient, amount: str, days_late: int) -> tuple[str, str]:
    customer = _post(
        client,
        "/v1/customers",
        {
            "name": "Acme",
            "currency": "EUR",
            "credit_limit": "100000",
            "payment_terms": {"net_days": 30},
        },
        "credit",
    )["customer_id"]
    issued = (TODAY - timedelta(days=30 + days_late)).isoformat()
    line = {"sku": "A", "quantity": 1, "unit_price": amount}
    order = _post(
        client, "/v1/orders", {"customer_id": customer, "lines": [line], "ordered_on": issued}
    )
    oid = order["order_id"]
    _post(
        client,
        f"/v1/orders/{oid}/shipments",
        {"lines": [{"sku": "A", "quantity": 1}], "shipped_on": issued},
    )
    invoice = _post(client, f"/v1/orders/{oid}/invoices", {"issued_on": issued})["invoice_id"]
    return customer, invoice


def test_promises_notes_and_collectors_over_http(client: TestClient) -> None:
    customer, invoice = _overdue_invoice(client, "1000.00", 10)
    promised_on = (TODAY + timedelta(days=5)).isoformat()
    body = {"promised_on": promised_on, "note": "CFO promised"}
    refused = client.post(f"/v1/invoices/{invoice}/promises", json=body, headers=auth("auditor"))
    assert refused.status_code == 403
    past = {"promised_on": (TODAY - timedelta(days=1)).isoformat()}
    late = client.post(f"/v1/invoices/{invoice}/promises", json=past, headers=auth("clerk"))
    assert late.status_code == 422 and late.json()["code"] == "promise-in-past"
    made = _post(client, f"/v1/invoices/{invoice}/promises", body)
    assert made["deadline"] == (TODAY + timedelta(days=7)).isoformat()
    again = client.post(f"/v1/invoices/{invoice}/promises", json=body, headers=auth("clerk"))
    assert again.status_code == 409 and again.json()["code"] == "promise-pending"

    _post(
        client,
        f"/v1/customers/{customer}/notes",
        {"text": "call Friday", "follow_up_on": TODAY.isoformat()},
    )
    put = client.put(
        f"/v1/customers/{customer}/collector", json={"collector": "eva"}, headers=auth("clerk")
    )
    assert put.status_code == 200 and put.json()["collector"] == "eva"

    work = _get(
        client, "/v1/collections/worklist", collector="eva", min_position=put.json()["position"]
    )
    (row,) = work["items"]
    assert row["promise"]["promised_on"] == promised_on and row["collector"] == "eva"
    assert row["components"]["days_past_due"] == 10 and row["score"] == "10000.00"
    assert work["sorted_by"].startswith("score =")
    assert [f["text"] for f in work["follow_ups"]] == ["call Friday"]
    assert _get(client, "/v1/collections/worklist", collector="max")["items"] == []

    known_at = datetime.now(UTC).isoformat()
    replayed = _get(client, "/v1/collections/worklist", known_at=known_at)
    assert replayed["source"] == "event replay"
    assert replayed["items"] == _get(client, "/v1/collections/worklist")["items"]
    naive = client.get(
        "/v1/collections/worklist",
        params={"known_at": "2026-01-01T00:00:00"},
        headers=auth("clerk"),
    )
    assert naive.status_code == 422

    notes = _get(client, f"/v1/customers/{customer}/notes")["items"]
    assert [(n["text"], n["author"]) for n in notes] == [("call Friday", "clerk-key-1")]
    assert _get(client, f"/v1/invoices/{invoice}/promises")["items"][0]["status"] == "pending"


def test_forecast_and_interest_invoice_over_http(client: TestClient) -> None:
    customer, invoice = _overdue_invoice(client, "700.00", 3)
    promised = {"promised_on": (TODAY + timedelta(days=9)).isoformat()}
    at = _post(client, f"/v1/invoices/{invoice}/promises", promised)["position"]
    forecast = _get(client, "/v1/forecast", weeks=4, min_position=at)
    assert forecast["currency"] == "EUR" and forecast["method"] == "behaviour"
    assert [w["expected"] for w in forecast["weeks"]] == ["0.00", "700.00", "0.00", "0.00"]
    naive = _get(client, "/v1/forecast", weeks=4, method="due_date")
    assert [w["expected"] for w in naive["weeks"]] == ["700.00", "0.00", "0.00", "0.00"]
    off = client.post(f"/v1/customers/{customer}/interest-invoices", json={}, headers=auth("clerk"))
    assert off.status_code == 409 and off.json()["code"] == "late-charges-off"
