"""What a clerk needs to see: an invoice's lines and discount terms, numbered credit notes (in the
statement and the GL export too), an imported invoice found by its legacy number, discounts named
by their invoice, bank suggestions named, and the early-payment discount after a credit note."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from o2c import commands as c
from o2c.application.service import O2CService
from tests.api.conftest import auth


def post(client: TestClient, path: str, body: dict[str, Any], status: int = 0) -> dict[str, Any]:
    response = client.post(path, json=body, headers=auth("admin"))
    assert response.status_code == status if status else response.status_code in (200, 201), (
        response.text
    )
    data: dict[str, Any] = response.json()
    return data


def get(client: TestClient, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(path, params=params, headers=auth("auditor"))
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def service(client: TestClient) -> O2CService:
    found: O2CService = client.app.state.container.service  # type: ignore[attr-defined]
    return found


def customer(client: TestClient, name: str = "Clerk Co", discount: bool = True) -> str:
    terms: dict[str, Any] = {"net_days": 30}
    if discount:
        terms.update(discount_percent="2", discount_days=10)
    body = {"name": name, "currency": "EUR", "credit_limit": "1000000", "payment_terms": terms}
    return str(post(client, "/v1/customers", body)["customer_id"])


def sell(client: TestClient, cid: str, *lines: tuple[str, int, str]) -> dict[str, Any]:
    placed = [
        {"sku": s, "description": f"item {s}", "quantity": q, "unit_price": p} for s, q, p in lines
    ]
    order = post(
        client, "/v1/orders", {"customer_id": cid, "lines": placed, "ordered_on": "2026-01-05"}
    )
    oid = order["order_id"]
    shipped = [{"sku": s, "quantity": q} for s, q, _ in lines]
    post(client, f"/v1/orders/{oid}/shipments", {"lines": shipped, "shipped_on": "2026-01-05"})
    return post(client, f"/v1/orders/{oid}/invoices", {"issued_on": "2026-01-05"})


def test_an_invoice_shows_its_lines_and_discount_terms(client: TestClient) -> None:
    inv = sell(client, customer(client), ("A", 2, "100.00"), ("B", 1, "50.00"))
    shown = get(client, f"/v1/invoices/{inv['invoice_id']}", min_position=inv["position"])
    assert [
        (ln["sku"], ln["quantity"], ln["unit_price"], ln["amount"]) for ln in shown["lines"]
    ] == [
        ("A", 2, "100.00", "200.00"),
        ("B", 1, "50.00", "50.00"),
    ]
    assert shown["lines"][0]["description"] == "item A"
    assert (shown["discount_amount"], shown["discount_until"]) == ("5.00", "2026-01-15")


def test_the_discount_base_after_a_credit_note_is_the_total_less_credit_notes(
    client: TestClient,
) -> None:
    cid = customer(client)
    inv = sell(client, cid, ("A", 1, "7700.00"))
    note = post(
        client,
        f"/v1/invoices/{inv['invoice_id']}/credit-notes",
        {"amount": "500.00", "reason": "returned", "issued_on": "2026-01-06"},
    )
    paid = post(
        client,
        "/v1/payments",
        {"customer_id": cid, "amount": "7056.00", "received_on": "2026-01-10"},
    )
    assert paid["allocations"] == [
        {"invoice_id": inv["invoice_id"], "amount": "7056.00", "discount": "144.00"}
    ]
    assert paid["unapplied"] == "0.00"
    shown = get(client, f"/v1/invoices/{inv['invoice_id']}", min_position=note["position"])
    assert shown["discount_amount"] == "144.00"  # 2 % of 7,200, not of 7,700


def test_credit_notes_are_numbered_and_named_in_statement_and_ledger(client: TestClient) -> None:
    cid = customer(client)
    inv = sell(client, cid, ("A", 1, "1000.00"))
    path = f"/v1/invoices/{inv['invoice_id']}/credit-notes"
    first = post(client, path, {"amount": "100.00", "reason": "damaged", "issued_on": "2026-01-06"})
    refused = post(client, path, {"amount": "5000.00", "reason": "too much"}, status=409)
    assert refused["type"].endswith("amount-exceeds-open")
    second = post(client, path, {"amount": "10.00", "reason": "late", "issued_on": "2026-01-06"})
    # A refused credit note takes no number: the sequence stays gap-free.
    assert [first["credit_note"]["number"], second["credit_note"]["number"]] == [
        "CN-000001",
        "CN-000002",
    ]
    assert first["credit_note"]["total"] == "100.00"
    paid = post(
        client,
        "/v1/payments",
        {"customer_id": cid, "amount": "872.20", "received_on": "2026-01-07"},
    )
    assert paid["allocations"][0]["discount"] == "17.80"  # 2 % of 890.00
    at = paid["position"]

    statement = get(
        client,
        f"/v1/customers/{cid}/statement",
        **{"from": "2026-01-01", "to": "2026-01-31"},
        min_position=at,
    )
    shown = [(ln["kind"], ln["reference"], ln["invoice_number"]) for ln in statement["lines"]]
    number = inv["number"]
    assert ("credit_note", "CN-000001", number) in shown
    assert ("credit_note", "CN-000002", number) in shown
    assert ("discount", number, number) in shown

    export = client.get(
        "/v1/gl/export",
        params={"from": "2026-01-01", "to": "2026-01-31", "format": "jsonl"},
        headers=auth("auditor"),
    )
    assert export.status_code == 200, export.text
    lines = [json.loads(x) for x in export.text.splitlines()]
    credit_notes = [ln for ln in lines if ln["fact"] == "credit_note"]
    assert {(ln["account"], ln["document_number"]) for ln in credit_notes} == {
        ("4100", "CN-000001"),
        ("4100", "CN-000002"),
        ("1100", number),
    }
    assert {ln["document_number"] for ln in lines if ln["fact"] == "invoice"} == {number}
    csv_head = client.get(
        "/v1/gl/export",
        params={"from": "2026-01-01", "to": "2026-01-31", "format": "csv"},
        headers=auth("auditor"),
    ).text.splitlines()[0]
    assert csv_head.endswith("document_id,document_number,tax_category,tax_rate")


def test_concurrent_credit_notes_take_every_number_once(client: TestClient) -> None:
    invoices = [sell(client, customer(client, f"C{n}"), ("A", 1, "100.00")) for n in range(4)]
    run = service(client)

    def credit(job: tuple[int, dict[str, Any]]) -> str:
        n, inv = job
        cmd = c.ApplyCreditNote(
            invoice_id=UUID(inv["invoice_id"]), amount=Decimal("1.00"), reason=f"note {n}"
        )
        return str(run.handle(cmd).body["credit_note"]["number"])

    jobs = [(n, invoices[n % 4]) for n in range(24)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = list(pool.map(credit, jobs))
    assert sorted(numbers) == [f"CN-{n:06d}" for n in range(1, 25)]


def test_an_imported_invoice_keeps_and_is_found_by_its_legacy_number(client: TestClient) -> None:
    cid = customer(client, discount=False)
    row = c.OpeningInvoice(
        customer_id=UUID(cid),
        reference="OLD-4711",
        issued_on=date(2026, 1, 2),
        open_amount=Decimal("120.00"),
    )
    done = service(client).handle(c.ImportOpeningInvoices(rows=[row]))
    found = get(client, "/v1/invoices", number="OLD-4711", min_position=done.position)["items"]
    assert [i["external_reference"] for i in found] == ["OLD-4711"]
    assert found[0]["number"] == done.body["invoices"][0]["number"]
    assert get(client, "/v1/invoices", number=found[0]["number"])["items"] == found


def test_bank_suggestions_name_the_customer_and_the_invoices(client: TestClient) -> None:
    cid = customer(client, "Suggested GmbH")
    inv = sell(client, cid, ("A", 1, "80.00"))
    run = service(client)
    on = date(2026, 1, 8)
    line = c.BankLineIn(line_id="L1", booked_on=on, amount=Decimal("79.00"), credit=True)
    statement = run.handle(
        c.ImportBankStatement(
            account_id="NL91ABNA0417164300",
            statement_id="ST-1",
            currency="EUR",
            period_start=on,
            period_end=on,
            lines=[line],
        )
    )
    suggestion = c.SuggestionIn(
        customer_id=UUID(cid), invoice_ids=[UUID(inv["invoice_id"])], score=0.5
    )
    decided = run.handle(
        c.DecideBankLines(
            statement_id=UUID(statement.body["statement_id"]),
            applied=[],
            queued=[c.LineQueued(line_id="L1", suggestions=[suggestion])],
        )
    )
    queue = get(client, "/v1/bank-lines", status="unmatched", min_position=decided.position)
    [shown] = queue["items"][0]["suggestions"]
    assert shown["customer_name"] == "Suggested GmbH"
    assert shown["invoice_numbers"] == [inv["number"]]


def test_resolving_a_dispute_takes_a_reason_like_disputing(client: TestClient) -> None:
    inv = sell(client, customer(client), ("A", 1, "10.00"))
    path = f"/v1/invoices/{inv['invoice_id']}"
    post(client, f"{path}/dispute", {"reason": "wrong quantity"})
    post(client, f"{path}/resolve-dispute", {"reason": "credit note agreed"})
    post(client, f"{path}/dispute", {"reason": "again"})
    post(client, f"{path}/resolve-dispute", {"resolution": "older clients say resolution"})
    post(client, f"{path}/dispute", {"reason": "once more"})
    both = post(client, f"{path}/resolve-dispute", {"reason": "a", "resolution": "b"}, status=422)
    assert both["type"]
    audit = client.get(f"/v1/audit/aggregates/{inv['invoice_id']}/events", headers=auth("auditor"))
    resolutions = [
        e["data"]["resolution"] for e in audit.json()["events"] if e["type"].endswith("resolved.v1")
    ]
    assert resolutions == ["credit note agreed", "older clients say resolution"]


def test_a_bank_account_may_name_its_holder(client: TestClient) -> None:
    cid = customer(client)
    body = {"iban": "DE89 3704 0044 0532 0130 00", "holder": "Clerk Co Treasury"}
    recorded = post(client, f"/v1/customers/{cid}/bank-accounts", body)
    assert recorded["holder"] == "Clerk Co Treasury"
    shown = get(client, f"/v1/customers/{cid}", min_position=recorded["position"])
    assert shown["bank_accounts"] == [
        {"iban": "DE89370400440532013000", "holder": "Clerk Co Treasury"}
    ]
    bad = client.post(
        f"/v1/customers/{cid}/bank-accounts",
        json={"iban": "DE89370400440532013000", "holder": "a\x00b"},
        headers=auth("admin"),
    )
    assert bad.status_code == 422
