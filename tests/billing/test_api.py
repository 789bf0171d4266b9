"""Billing over HTTP: policies, billing runs, contracts, the uninvoiced report and refunds."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import auth
from tests.api.conftest import client as client  # the embedded SQLite server


def post(client: TestClient, path: str, body: dict[str, Any], status: int = 201) -> Any:
    r = client.post(path, json=body, headers=auth("clerk"))
    assert r.status_code == status, r.text
    return r.json()


def get(client: TestClient, path: str, **params: Any) -> Any:
    r = client.get(path, params=params, headers=auth("auditor"))
    assert r.status_code == 200, r.text
    return r.json()


def customer(client: TestClient, policy: dict[str, Any] | None = None) -> str:
    body: dict[str, Any] = {"name": "Acme", "currency": "EUR", "credit_limit": "100000"}
    if policy is not None:
        body["billing_policy"] = policy
    r = client.post("/v1/customers", json=body, headers=auth("credit"))
    assert r.status_code == 201, r.text
    return str(r.json()["customer_id"])


def shipped(client: TestClient, cid: str, on: str, quantity: int = 2) -> dict[str, Any]:
    order = post(
        client,
        "/v1/orders",
        {
            "customer_id": cid,
            "ordered_on": on,
            "lines": [{"sku": "A", "quantity": quantity, "unit_price": "10.00"}],
        },
    )
    ship = {"lines": [{"sku": "A", "quantity": quantity}], "shipped_on": on}
    return {
        "order": order,
        "shipment": post(client, f"/v1/orders/{order['order_id']}/shipments", ship),
    }


def test_policies_are_accepted_and_on_shipment_invoices_the_shipment(client: TestClient) -> None:
    cid = customer(client, {"mode": "on_shipment", "send": False})
    done = shipped(client, cid, "2026-11-02")
    invoice = done["shipment"]["invoice"]
    assert invoice["number"].startswith("INV-") and invoice["total"] == "20.00"
    r = client.patch(
        f"/v1/customers/{cid}",
        json={"billing_policy": {"mode": "periodic", "period": "month"}},
        headers=auth("credit"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["billing_policy"] == {"mode": "periodic", "period": "month", "send": False}


def test_a_billing_run_its_record_and_a_dry_run(client: TestClient) -> None:
    periodic = customer(client, {"mode": "periodic", "period": "month"})
    manual = customer(client)
    shipped(client, periodic, "2026-10-20")
    shipped(client, manual, "2026-10-20")
    dry = post(client, "/v1/billing/runs", {"as_of": "2026-11-03", "dry_run": True})
    assert dry["dry_run"] is True
    assert [(i["customer_id"], i["total"]) for i in dry["invoices"]] == [(periodic, "20.00")]
    assert dry["invoices"][0]["lines"][0]["sku"] == "A"
    r = client.get(f"/v1/billing/runs/{dry['run_id']}", headers=auth("auditor"))
    assert r.status_code == 404  # a dry run records nothing

    done = post(client, "/v1/billing/runs", {"as_of": "2026-11-03"})
    assert done["run_id"] == dry["run_id"]  # the run of a date has one id
    assert (done["status"], done["customers"], done["done"], done["invoiced"]) == (
        "completed",
        1,
        1,
        1,
    )
    [result] = done["results"]
    assert (result["customer_id"], result["outcome"], result["total"]) == (
        periodic,
        "invoiced",
        "20.00",
    )
    record = get(client, f"/v1/billing/runs/{done['run_id']}")
    assert record["results"] == done["results"]
    invoice = get(client, f"/v1/invoices/{result['invoice_id']}", min_position=done["position"])
    assert invoice["number"] == result["number"] and invoice["issued_on"] == "2026-11-03"

    again = post(client, "/v1/billing/runs", {"as_of": "2026-11-03"})
    assert (again["starts"], again["invoiced"], again["already_invoiced"]) == (2, 1, 0)
    assert again["results"] == done["results"]  # nothing was due, the first outcome stands


def test_a_run_dated_tomorrow_is_refused(client: TestClient) -> None:
    r = client.post("/v1/billing/runs", json={"as_of": "2999-01-01"}, headers=auth("clerk"))
    assert r.status_code == 422
    assert r.json()["type"].endswith("date-in-future")
    r = client.post("/v1/billing/runs", json={"as_of": "2026-11-03"}, headers=auth("auditor"))
    assert r.status_code == 403


def test_contracts_are_entered_changed_cancelled_and_read(client: TestClient) -> None:
    cid = customer(client)
    line = {"sku": "SUPPORT", "quantity": 1, "unit_price": "50.00"}
    started = post(
        client,
        "/v1/contracts",
        {
            "customer_id": cid,
            "lines": [line],
            "interval": "quarter",
            "start_on": "2026-01-01",
            "billing": "in_arrears",
        },
    )
    k = started["contract_id"]
    assert started["next_period"] == {
        "index": 0,
        "start": "2026-01-01",
        "end": "2026-03-31",
        "due_on": "2026-04-01",
    }
    billed = post(client, "/v1/billing/runs", {"as_of": "2026-05-01"})
    assert billed["invoiced"] == 1 and billed["results"][0]["total"] == "50.00"
    changed = post(
        client,
        f"/v1/contracts/{k}/changes",
        {"lines": [{**line, "quantity": 3}], "changed_on": "2026-05-02"},
        status=200,
    )
    assert changed["effective_from"] == "2026-07-01"
    cancelled = post(
        client, f"/v1/contracts/{k}/cancel", {"cancelled_on": "2026-08-01"}, status=200
    )
    assert cancelled["effective_from"] == "2026-10-01"
    view = get(client, f"/v1/contracts/{k}", min_position=cancelled["position"])
    assert (view["status"], view["periods_invoiced"]) == ("cancelled", 1)
    assert view["next_period"]["start"] == "2026-04-01"
    assert get(client, "/v1/contracts", customer_id=cid)["items"][0]["contract_id"] == k
    late = post(client, "/v1/billing/runs", {"as_of": "2026-11-01"})
    # April-June at 1 × 50 and July-September at 3 × 50: nothing after the cancellation.
    assert late["results"][0]["total"] == "200.00"
    missing = client.get(
        "/v1/contracts/00000000-0000-4000-8000-000000000000", headers=auth("auditor")
    )
    assert missing.status_code == 404
    r = client.post(
        "/v1/contracts",
        json={"customer_id": cid, "lines": [line], "interval": "week", "start_on": "2026-01-01"},
        headers=auth("clerk"),
    )
    assert r.status_code == 422


def test_the_uninvoiced_report_lists_what_is_shipped_and_not_invoiced(client: TestClient) -> None:
    cid = customer(client)
    old = shipped(client, cid, "2026-11-02")
    recent = shipped(client, cid, "2026-11-15", quantity=1)
    seen = recent["shipment"]["position"]
    report = get(
        client, "/v1/reports/uninvoiced", as_of="2026-11-20", older_than_days=10, min_position=seen
    )
    assert [(i["order_id"], i["days_since_shipped"], i["value"]) for i in report["items"]] == [
        (old["order"]["order_id"], 18, "20.00")
    ]
    assert report["items"][0]["lines"] == [
        {"sku": "A", "description": "", "quantity": 2, "shipped_on": "2026-11-02"}
    ]
    every = get(client, "/v1/reports/uninvoiced", as_of="2026-11-20")
    assert len(every["items"]) == 2
    invoiced = post(
        client, f"/v1/orders/{old['order']['order_id']}/invoices", {"issued_on": "2026-11-20"}
    )
    after = get(
        client, "/v1/reports/uninvoiced", as_of="2026-11-20", min_position=invoiced["position"]
    )
    assert [i["order_id"] for i in after["items"]] == [recent["order"]["order_id"]]


def test_a_refund_pays_back_unapplied_cash_posts_to_the_ledger_and_is_published(
    client: TestClient,
) -> None:
    cid = customer(client)
    paid = post(
        client,
        "/v1/payments",
        {"customer_id": cid, "amount": "100.00", "received_on": "2026-11-02", "allocations": []},
    )
    path = f"/v1/payments/{paid['payment_id']}/refunds"
    refund = post(client, path, {"amount": "30.00", "refunded_on": "2026-11-03", "reference": "R"})
    assert refund["unapplied"] == "70.00"
    too_much = client.post(path, json={"amount": "70.01"}, headers=auth("clerk"))
    assert too_much.status_code == 409
    assert too_much.json()["type"].endswith("amount-exceeds-unapplied")
    zero = client.post(path, json={"amount": "0"}, headers=auth("clerk"))
    assert zero.status_code == 422
    tb = get(client, "/v1/gl/trial-balance", as_of="2026-11-30", min_position=refund["position"])
    balances = {a["account"]: a["balance"] for a in tb["accounts"]}
    assert balances["1000"] == "70.00" and balances["2100"] == "-70.00"
    payment = get(client, f"/v1/payments/{paid['payment_id']}")
    assert payment["unapplied"] == "70.00"
    events = get(client, f"/v1/audit/customers/{cid}/events")["events"]
    refunded = [e for e in events if e["type"] == "o2c.payment.refunded.v1"]
    assert [e["data"]["unapplied"] for e in refunded] == ["70.00"]
