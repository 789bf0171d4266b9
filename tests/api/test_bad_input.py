"""Bad input is refused at the boundary with a 422 problem+json of a stable type, never a 500,
and leaves nothing in the event log: control characters in text, amounts and dates out of range,
zero posing as a positive amount, and JSON values of the wrong type read loosely."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import auth

PROBLEMS = "https://o2c.dev/problems/"


def log_position(client: TestClient) -> int:
    position: int = client.app.state.container.store.last_position()  # type: ignore[attr-defined]
    return position


def refused(
    client: TestClient, path: str, body: dict[str, Any] | bytes, code: str = "invalid-input"
) -> dict[str, Any]:
    """POST ``body``; it must be a 422 problem of type ``code`` that stored nothing."""
    before = log_position(client)
    if isinstance(body, bytes):
        headers = {**auth("admin"), "Content-Type": "application/json"}
        response = client.post(path, content=body, headers=headers)
    else:
        response = client.post(path, json=body, headers=auth("admin"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem["type"] == PROBLEMS + code, problem
    assert log_position(client) == before
    return problem


def ok(client: TestClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body, headers=auth("admin"))
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


def account(client: TestClient, limit: str = "100000") -> str:
    body = {"name": "Acme", "currency": "EUR", "credit_limit": limit}
    return str(ok(client, "/v1/customers", body)["customer_id"])


def shipped_order(client: TestClient, cid: str) -> str:
    line = {"sku": "A", "quantity": 1, "unit_price": "10.00"}
    oid = str(ok(client, "/v1/orders", {"customer_id": cid, "lines": [line]})["order_id"])
    ok(client, f"/v1/orders/{oid}/shipments", {"lines": [{"sku": "A", "quantity": 1}]})
    return oid


def invoice(client: TestClient, cid: str) -> str:
    oid = shipped_order(client, cid)
    return str(ok(client, f"/v1/orders/{oid}/invoices", {})["invoice_id"])


# Every kind of text field: single-line (names, skus, references, methods) and free text that
# may span lines (reasons, descriptions).
CONTROL = ["\x00", "\x01", "\x1b", "\x1f", "\x7f"]


@pytest.mark.parametrize("char", CONTROL, ids=[f"U+{ord(c):04X}" for c in CONTROL])
def test_control_characters_in_text_are_refused(client: TestClient, char: str) -> None:
    cid = account(client)
    inv = invoice(client, cid)
    pid = ok(client, "/v1/payments", {"customer_id": cid, "amount": "1.00"})["payment_id"]
    line = {"sku": "B", "quantity": 1, "unit_price": "1.00"}
    cases: list[tuple[str, dict[str, Any]]] = [
        ("/v1/customers", {"name": f"Acme{char}", "currency": "EUR", "credit_limit": "1"}),
        ("/v1/payments", {"customer_id": cid, "amount": "1", "reference": f"r{char}"}),
        ("/v1/payments", {"customer_id": cid, "amount": "1", "method": f"m{char}"}),
        ("/v1/orders", {"customer_id": cid, "lines": [{**line, "sku": f"B{char}"}]}),
        ("/v1/orders", {"customer_id": cid, "lines": [{**line, "description": f"d{char}"}]}),
        (f"/v1/customers/{cid}/hold", {"reason": f"why{char}"}),
        (f"/v1/customers/{cid}/credit-limit", {"credit_limit": "5", "reason": f"x{char}"}),
        (f"/v1/invoices/{inv}/dispute", {"reason": f"{char}"}),
        (f"/v1/invoices/{inv}/credit-notes", {"amount": "1", "reason": f"a{char}b"}),
        (f"/v1/invoices/{inv}/write-off", {"reason": f"w{char}"}),
        (f"/v1/payments/{pid}/reverse", {"reason": f"bounced{char}"}),
    ]
    for path, body in cases:
        problem = refused(client, path, body, "invalid-text")
        assert problem["errors"], problem


def test_tab_and_newline_only_in_free_text(client: TestClient) -> None:
    cid = account(client)
    ok(client, f"/v1/customers/{cid}/hold", {"reason": "first line\n\tsecond line"})
    for name in ("Acme\tGmbH", "Acme\nGmbH", "Acme\rGmbH"):
        refused(
            client,
            "/v1/customers",
            {"name": name, "currency": "EUR", "credit_limit": "1"},
            "invalid-text",
        )
    refused(client, f"/v1/customers/{cid}/release", {"reason": "a\rb"}, "invalid-text")
    line = {"sku": "A\tB", "quantity": 1, "unit_price": "1.00"}
    refused(client, "/v1/orders", {"customer_id": cid, "lines": [line]}, "invalid-text")
    line = {"sku": "A", "description": "two\nlines", "quantity": 1, "unit_price": "1.00"}
    ok(client, "/v1/orders", {"customer_id": cid, "lines": [line]})


def test_unpaired_surrogate_is_refused(client: TestClient) -> None:
    # Valid JSON, but not text UTF-8 (and so the log's encoding) can hold.
    body = b'{"name": "Acme \\ud800", "currency": "EUR", "credit_limit": "1"}'
    refused(client, "/v1/customers", body, "invalid-text")


@pytest.mark.parametrize("huge", ["1e9999999", "-1e9999999", "1E+1000000"])
def test_amounts_out_of_range_are_422(client: TestClient, huge: str) -> None:
    cid = account(client)
    inv = invoice(client, cid)
    line = {"sku": "A", "quantity": 1, "unit_price": huge}
    cases: list[tuple[str, dict[str, Any]]] = [
        ("/v1/customers", {"name": "A", "currency": "EUR", "credit_limit": huge}),
        (f"/v1/customers/{cid}/credit-limit", {"credit_limit": huge, "reason": "x"}),
        ("/v1/payments", {"customer_id": cid, "amount": huge}),
        (
            "/v1/payments",
            {
                "customer_id": cid,
                "amount": "5",
                "allocations": [{"invoice_id": inv, "amount": huge}],
            },
        ),
        ("/v1/orders", {"customer_id": cid, "lines": [line]}),
        (f"/v1/invoices/{inv}/credit-notes", {"amount": huge, "reason": "x"}),
        (f"/v1/invoices/{inv}/write-off", {"amount": huge, "reason": "x"}),
    ]
    for path, body in cases:
        refused(client, path, body, "invalid-amount")
    terms = {"net_days": 30, "discount_percent": huge, "discount_days": 10}
    refused(client, f"/v1/customers/{cid}/terms", {"payment_terms": terms}, "invalid-terms")


def test_a_vanishingly_small_amount_is_not_a_zero_payment(client: TestClient) -> None:
    cid = account(client)
    refused(
        client,
        "/v1/payments",
        {"customer_id": cid, "amount": "1e-9999999"},
        "invalid-amount-precision",
    )
    for zero in ("0", "0.00", "-0", "0E+5"):
        refused(client, "/v1/payments", {"customer_id": cid, "amount": zero}, "invalid-amount")
    refused(
        client,
        "/v1/customers",
        {"name": "A", "currency": "EUR", "credit_limit": "1e-9999999"},
        "invalid-amount-precision",
    )
    terms = {"net_days": 30, "discount_percent": "1e-9999999", "discount_days": 10}
    refused(client, f"/v1/customers/{cid}/terms", {"payment_terms": terms}, "invalid-terms")


def test_negative_zero_is_stored_as_zero(client: TestClient) -> None:
    body = ok(client, "/v1/customers", {"name": "A", "currency": "EUR", "credit_limit": "-0"})
    assert body["credit_limit"] == "0.00"
    cid = body["customer_id"]
    changed = ok(
        client, f"/v1/customers/{cid}/credit-limit", {"credit_limit": "-0.00", "reason": "x"}
    )
    assert changed["credit_limit"] == "0.00", changed
    jpy = ok(client, "/v1/customers", {"name": "B", "currency": "JPY", "credit_limit": "-0E+3"})
    assert jpy["credit_limit"] == "0"


def test_an_issue_date_whose_due_date_would_pass_year_9999_is_in_the_future(
    client: TestClient,
) -> None:
    cid = account(client)
    oid = shipped_order(client, cid)
    refused(client, f"/v1/orders/{oid}/invoices", {"issued_on": "9999-12-31"}, "date-in-future")
    body = ok(client, f"/v1/orders/{oid}/invoices", {})
    assert body["number"] == "INV-000001"


def _is_date(schema: dict[str, Any]) -> bool:
    return schema.get("format") == "date" or any(_is_date(s) for s in schema.get("anyOf", []))


def date_queries(client: TestClient) -> list[tuple[str, list[str]]]:
    """Every GET route with date query parameters, from the OpenAPI document: (path, names)."""
    found = []
    spec = client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        parameters = operations.get("get", {}).get("parameters", [])
        names = [p["name"] for p in parameters if p["in"] == "query" and _is_date(p["schema"])]
        if names:
            found.append((path, names))
    return found


def test_every_date_query_parameter_takes_an_iso_date_only(client: TestClient) -> None:
    """A number is not a date (``as_of=0`` would be 1970-01-01), nor a datetime, as in bodies."""
    cid = account(client)
    routes = date_queries(client)
    assert len(routes) >= 10, routes
    for path, names in routes:
        url = path.replace("{customer_id}", cid)
        valid = dict.fromkeys(names, "2026-01-01")
        response = client.get(url, params=valid, headers=auth("admin"))
        # A letter needs the seller's profile: its 409 says the dates themselves were taken.
        taken = response.status_code == 200 or response.json().get("code") == "company-not-set-up"
        assert taken, (url, response.text)
        for name in names:
            for bad in ("0", "20260101", "1e3", "2026-01-01T00:00:00", "2026-1-1"):
                response = client.get(url, params={**valid, name: bad}, headers=auth("admin"))
                assert response.status_code == 422, (url, name, bad, response.text)
                assert response.headers["content-type"].startswith("application/problem+json")
                problem = response.json()
                assert problem["code"] == "invalid-input"
                assert [e["loc"] for e in problem["errors"]] == [["query", name]]


def test_loose_json_types_are_refused(client: TestClient) -> None:
    cid = account(client)
    refused(client, "/v1/dunning/runs", {"as_of": 0})
    refused(client, "/v1/dunning/runs", {"as_of": 20260101})
    refused(client, "/v1/dunning/runs", {"as_of": True})
    refused(client, "/v1/dunning/runs", {"as_of": "2026-01-01T00:00:00"})
    for quantity in (True, 1.0, "1"):
        line = {"sku": "A", "quantity": quantity, "unit_price": "1.00"}
        refused(client, "/v1/orders", {"customer_id": cid, "lines": [line]})
    for net_days in (True, "30", 30.0):
        refused(client, f"/v1/customers/{cid}/terms", {"payment_terms": {"net_days": net_days}})
    refused(client, "/v1/payments", {"customer_id": cid, "amount": True})
    # the forms the API documents keep working
    ok(client, "/v1/dunning/runs", {"as_of": "2026-01-01"})
    ok(client, f"/v1/customers/{cid}/terms", {"payment_terms": {"net_days": 45}})
    line = {"sku": "A", "quantity": 2, "unit_price": "1.50"}
    ok(client, "/v1/orders", {"customer_id": cid, "lines": [line], "ordered_on": "2026-01-02"})


def test_several_kinds_of_bad_input_at_once_are_invalid_input(client: TestClient) -> None:
    body = {"name": "A\x00", "currency": "EUR", "credit_limit": "1", "extra": 1}
    problem = refused(client, "/v1/customers", body, "invalid-input")
    assert {e["type"] for e in problem["errors"]} == {"control_character", "extra_forbidden"}


def test_unknown_id_with_bad_text_is_still_422(client: TestClient) -> None:
    refused(client, f"/v1/invoices/{uuid.uuid4()}/dispute", {"reason": "x\x00"}, "invalid-text")
