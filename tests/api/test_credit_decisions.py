"""Credit decisions read right: an approval answers the override it recorded, releasing an
account hold re-checks the orders the hold alone held, and a credit manager can list what is
held."""

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


def customer(client: TestClient, limit: str) -> str:
    body = {"name": "Held Ltd", "currency": "EUR", "credit_limit": limit}
    body["payment_terms"] = {"net_days": 30}  # type: ignore[assignment]
    return str(post(client, "/v1/customers", body)["customer_id"])


def order(client: TestClient, cid: str, price: str, day: str) -> dict[str, Any]:
    line = {"sku": "A", "quantity": 1, "unit_price": price}
    return post(client, "/v1/orders", {"customer_id": cid, "lines": [line], "ordered_on": day})


def test_approving_a_held_order_answers_the_override(client: TestClient) -> None:
    cid = customer(client, "100.00")
    held = order(client, cid, "500.00", "2026-01-05")
    assert held["status"] == "credit_hold"
    approved = post(client, f"/v1/orders/{held['order_id']}/approve", {"reason": "good payer"})
    assert approved["status"] == "approved"
    decision = approved["credit_decision"]
    assert (decision["approved"], decision["override"], decision["reason"]) == (
        True,
        True,
        "good payer",
    )
    # The figures it was taken on stay those of the moment: over the limit.
    assert (decision["exposure"], decision["order_total"]) == ("0.00", "500.00")


def test_releasing_a_hold_rechecks_the_orders_it_alone_held(client: TestClient) -> None:
    cid = customer(client, "1000.00")
    order(client, cid, "300.00", "2026-01-02")
    over_limit = order(client, cid, "5000.00", "2026-01-03")
    post(client, f"/v1/customers/{cid}/hold", {"reason": "cheque bounced"})
    fits = order(client, cid, "200.00", "2026-01-04")
    too_big = order(client, cid, "600.00", "2026-01-05")
    cancelled = order(client, cid, "100.00", "2026-01-06")
    at = post(client, f"/v1/orders/{cancelled['order_id']}/cancel", {})["position"]
    listed = get(client, "/v1/orders", status="credit_hold", customer_id=cid, min_position=at)
    assert [o["order_id"] for o in listed["items"]] == [
        over_limit["order_id"],
        fits["order_id"],
        too_big["order_id"],
    ]

    released = post(client, f"/v1/customers/{cid}/release", {"reason": "cheque cleared"})
    assert released["on_hold"] is False
    rechecked = {o["order_id"]: o for o in released["rechecked_orders"]}
    assert list(rechecked) == [fits["order_id"], too_big["order_id"]]  # placement order
    assert rechecked[fits["order_id"]]["status"] == "approved"
    assert rechecked[too_big["order_id"]]["status"] == "credit_hold"
    # The second is checked against an exposure that already counts the first.
    assert rechecked[too_big["order_id"]]["credit_decision"]["exposure"] == "500.00"

    page = get(
        client,
        "/v1/orders",
        status="credit_hold",
        customer_id=cid,
        min_position=released["position"],
    )
    assert [o["order_id"] for o in page["items"]] == [over_limit["order_id"], too_big["order_id"]]
    assert "exceeds credit limit" in page["items"][1]["hold_reason"]
    decisions = get(client, f"/v1/orders/{fits['order_id']}")["credit_decisions"]
    assert [(d["decision"], d["override"]) for d in decisions] == [
        ("held", False),
        ("approved", False),
    ]
    exposure = get(client, f"/v1/customers/{cid}/credit-exposure")
    assert exposure["open_orders"] == "500.00"
    first = get(client, "/v1/orders", customer_id=cid, limit=2)
    rest = get(client, "/v1/orders", customer_id=cid, after=first["next"])
    assert len(first["items"]) + len(rest["items"]) == 5 and rest["next"] is None


def test_order_search_refuses_an_unknown_status(client: TestClient) -> None:
    response = client.get("/v1/orders", params={"status": "held"}, headers=auth("clerk"))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
