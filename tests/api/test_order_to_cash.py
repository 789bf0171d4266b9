"""Order to cash through HTTP, idempotent retries and read-your-writes."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import auth


def post(
    client: TestClient, path: str, body: dict[str, object], role: str = "admin", **headers: str
) -> dict[str, object]:
    response = client.post(path, json=body, headers={**auth(role), **headers})
    assert response.status_code in (200, 201), response.text
    data: dict[str, object] = response.json()
    return data


def test_full_order_to_cash(client: TestClient) -> None:
    cust = post(
        client,
        "/v1/customers",
        {
            "name": "Acme",
            "currency": "EUR",
            "credit_limit": "10000.00",
            "payment_terms": {"net_days": 30},
        },
        "credit",
    )
    cid = cust["customer_id"]
    order = post(
        client,
        "/v1/orders",
        {
            "customer_id": cid,
            "ordered_on": "2026-01-02",
            "lines": [{"sku": "A", "quantity": 5, "unit_price": "200.00"}],
        },
        "clerk",
    )
    assert (order["status"], order["total"]) == ("approved", "1000.00")
    oid = order["order_id"]
    post(
        client,
        f"/v1/orders/{oid}/shipments",
        {"lines": [{"sku": "A", "quantity": 5}], "shipped_on": "2026-01-03"},
        "clerk",
    )
    inv = post(client, f"/v1/orders/{oid}/invoices", {"issued_on": "2026-01-04"}, "clerk")
    assert (inv["number"], inv["total"], inv["due_on"]) == ("INV-000001", "1000.00", "2026-02-03")
    pay = post(
        client,
        "/v1/payments",
        {
            "customer_id": cid,
            "amount": "400.00",
            "received_on": "2026-02-01",
            "method": "wire",
            "reference": "R1",
        },
        "clerk",
    )
    assert (pay["applied"], pay["unapplied"]) == ("400.00", "0.00")
    position = pay["position"]
    got = client.get(
        f"/v1/invoices/{inv['invoice_id']}?min_position={position}", headers=auth("auditor")
    ).json()
    assert (got["open_amount"], got["status"]) == ("600.00", "open")
    aging = client.get(
        f"/v1/customers/{cid}/aging?as_of=2026-03-01&min_position={position}", headers=auth("clerk")
    ).json()
    assert aging["total"] == "600.00"
    assert {b["label"]: b["amount"] for b in aging["buckets"]}["1-30"] == "600.00"
    exposure = client.get(f"/v1/customers/{cid}/credit-exposure", headers=auth("credit")).json()
    assert (exposure["ar_balance"], exposure["exposure"]) == ("600.00", "600.00")
    items = client.get(f"/v1/customers/{cid}/open-items", headers=auth("clerk")).json()["items"]
    assert [i["number"] for i in items] == ["INV-000001"]
    statement = client.get(
        f"/v1/customers/{cid}/statement?from=2026-01-01&to=2026-12-31", headers=auth("clerk")
    ).json()
    assert statement["closing_balance"] == "600.00"
    post(
        client,
        f"/v1/invoices/{inv['invoice_id']}/write-off",
        {"reason": "insolvent", "written_off_on": "2026-06-01"},
        "credit",
    )
    done = post(client, "/v1/dunning/runs", {"as_of": "2026-06-02"}, "clerk")
    assert done["reminders_sent"] == 0
    portfolio = client.get(
        f"/v1/aging?min_position={done['position']}", headers=auth("auditor")
    ).json()
    assert portfolio["total"] == "0.00"
    assert (
        client.get("/v1/kpis?from=2026-01-01&to=2026-03-31", headers=auth("clerk")).json()[
            "credit_sales"
        ]
        == "1000.00"
    )


def test_idempotent_retry_returns_first_answer_and_stores_nothing(client: TestClient) -> None:
    cid = post(client, "/v1/customers", {"name": "A", "currency": "EUR", "credit_limit": "100"})[
        "customer_id"
    ]
    body = {"customer_id": cid, "amount": "10.00"}
    first = client.post(
        "/v1/payments", json=body, headers={**auth("clerk"), "Idempotency-Key": "pay-42"}
    )
    again = client.post(
        "/v1/payments", json=body, headers={**auth("clerk"), "Idempotency-Key": "pay-42"}
    )
    assert first.status_code == again.status_code == 201
    assert first.json()["payment_id"] == again.json()["payment_id"]
    exposure = client.get(
        f"/v1/customers/{cid}/credit-exposure?min_position={again.json()['position']}",
        headers=auth("clerk"),
    ).json()
    assert exposure["unapplied_cash"] == "10.00"
    other = client.post(
        "/v1/payments",
        json={**body, "amount": "11.00"},
        headers={**auth("clerk"), "Idempotency-Key": "pay-42"},
    )
    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-key-reused")


def test_health_readiness_metrics_and_openapi(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True
    post(client, "/v1/customers", {"name": "A", "currency": "EUR", "credit_limit": "1"})
    metrics = client.get("/metrics").text
    assert 'o2c_commands_total{command="OpenAccount",outcome="ok"} 1.0' in metrics
    assert "o2c_http_request_seconds_bucket" in metrics
    assert "o2c_projection_lag_events" in metrics
    spec = client.get("/openapi.json").json()
    assert "/v1/aging" in spec["paths"] and "/v1/payments/{payment_id}/reverse" in spec["paths"]
    assert client.get("/docs").status_code == 200
