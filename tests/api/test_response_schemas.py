"""Every answer of an order-to-cash scenario matches the result schema its route publishes, and
the declared result drops nothing the handler returned.

FastAPI filters a route's return value through its declared result type: a key the type does
not declare disappears from the answer without an error. So each handler's raw return value is
captured before that filter and every key in it (at any depth) must be declared in the route's
OpenAPI schema.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import fastapi.routing
import pytest
from fastapi.encoders import jsonable_encoder
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

from tests.api.conftest import auth


@pytest.fixture
def raw_results(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """What each route handler returned, before FastAPI validated and filtered it."""
    seen: list[Any] = []
    original = fastapi.routing.serialize_response

    async def capture(**kwargs: Any) -> Any:
        seen.append(kwargs["response_content"])
        return await original(**kwargs)

    monkeypatch.setattr(fastapi.routing, "serialize_response", capture)
    yield seen


def _resolve(schema: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = spec["components"]["schemas"][name]
    return schema


def undeclared(value: Any, schema: dict[str, Any], spec: dict[str, Any], at: str) -> list[str]:
    """Paths of the keys in ``value`` that ``schema`` does not declare."""
    schema = _resolve(schema, spec)
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            found = [undeclared(value, s, spec, at) for s in schema[combinator]]
            return min(found, key=len)
    if isinstance(value, list):
        items = schema.get("items", {})
        return [
            path for i, v in enumerate(value) for path in undeclared(v, items, spec, f"{at}[{i}]")
        ]
    if not isinstance(value, dict):
        return []
    properties: dict[str, Any] = schema.get("properties", {})
    extra = schema.get("additionalProperties", False)
    missing: list[str] = []
    for key, item in value.items():
        if key in properties:
            missing += undeclared(item, properties[key], spec, f"{at}.{key}")
        elif isinstance(extra, dict):
            missing += undeclared(item, extra, spec, f"{at}.{key}")
        elif extra is not True:
            missing.append(f"{at}.{key}")
    return missing


@dataclass
class Api:
    """Calls routes by their path template and checks each answer against its schema."""

    client: TestClient
    raw: list[Any]
    spec: dict[str, Any]
    checked: set[str]
    position: int = 0

    def call(
        self, method: str, template: str, role: str = "admin", body: Any = None, **ids: str
    ) -> Any:
        path, _, query = template.partition("?")
        url = path.format(**ids) + (f"?{query}" if query else "")
        self.raw.clear()
        response = self.client.request(method, url, json=body, headers=auth(role))
        assert response.status_code < 300, (method, url, response.text)
        status = str(response.status_code)
        operation = self.spec["paths"][path][method.lower()]
        schema = operation["responses"][status]["content"]["application/json"]["schema"]
        answer = response.json()
        validator = Draft202012Validator({**schema, "components": self.spec["components"]})
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(answer)]
        assert not errors, (method, path, errors)
        assert len(self.raw) == 1, (method, path)
        dropped = undeclared(jsonable_encoder(self.raw[0]), schema, self.spec, "$")
        assert not dropped, (method, path, "returned but not declared", dropped)
        self.checked.add(f"{method} {path}")
        if isinstance(answer, dict) and isinstance(answer.get("position"), int):
            self.position = answer["position"]
        return answer

    def read(self, template: str, role: str = "auditor", **ids: str) -> Any:
        sep = "&" if "?" in template else "?"
        return self.call("GET", f"{template}{sep}min_position={self.position}", role, **ids)


def test_order_to_cash_answers_match_their_declared_schemas(
    client: TestClient, raw_results: list[Any]
) -> None:
    api = Api(client, raw_results, client.get("/openapi.json").json(), set())
    company = {
        "legal_name": "Seller GmbH",
        "address": {"lines": ["Hauptstr. 1"], "city": "Berlin", "country": "DE"},
    }
    api.call("PUT", "/v1/company", body=company)
    api.call("GET", "/v1/company")
    cust = api.call(
        "POST",
        "/v1/customers",
        "credit",
        {"name": "Acme", "currency": "EUR", "credit_limit": "10000.00"},
    )
    cid = cust["customer_id"]
    api.call(
        "PATCH",
        "/v1/customers/{customer_id}",
        "credit",
        {"legal_name": "Acme GmbH"},
        customer_id=cid,
    )
    api.call(
        "POST",
        "/v1/customers/{customer_id}/credit-limit",
        "credit",
        {"credit_limit": "20000.00", "reason": "grew"},
        customer_id=cid,
    )
    api.call(
        "POST",
        "/v1/customers/{customer_id}/terms",
        "credit",
        {"payment_terms": {}},
        customer_id=cid,
    )
    api.call(
        "POST",
        "/v1/customers/{customer_id}/bank-accounts",
        "credit",
        {"iban": "DE89 3704 0044 0532 0130 00"},
        customer_id=cid,
    )
    api.call(
        "POST", "/v1/customers/{customer_id}/hold", "credit", {"reason": "check"}, customer_id=cid
    )
    held = api.call(
        "POST",
        "/v1/orders",
        "clerk",
        {
            "customer_id": cid,
            "ordered_on": "2026-01-02",
            "lines": [{"sku": "A", "quantity": 5, "unit_price": "200.00"}],
        },
    )
    api.call(
        "POST", "/v1/customers/{customer_id}/release", "credit", {"reason": "ok"}, customer_id=cid
    )
    order = api.call(
        "POST",
        "/v1/orders",
        "clerk",
        {
            "customer_id": cid,
            "ordered_on": "2026-01-02",
            "lines": [{"sku": "A", "quantity": 5, "unit_price": "200.00"}],
        },
    )
    oid = order["order_id"]
    api.call("POST", "/v1/orders/{order_id}/cancel", "clerk", {}, order_id=held["order_id"])
    ship = {"lines": [{"sku": "A", "quantity": 5}], "shipped_on": "2026-01-03"}
    api.call("POST", "/v1/orders/{order_id}/shipments", "clerk", ship, order_id=oid)
    inv = api.call(
        "POST", "/v1/orders/{order_id}/invoices", "clerk", {"issued_on": "2026-01-04"}, order_id=oid
    )
    iid = inv["invoice_id"]
    api.read("/v1/orders/{order_id}", order_id=oid)
    api.read("/v1/orders")
    dispute = {"reason": "damaged", "disputed_on": "2026-01-05"}
    api.call("POST", "/v1/invoices/{invoice_id}/dispute", "clerk", dispute, invoice_id=iid)
    resolved = {"reason": "repaired", "resolved_on": "2026-01-06"}
    api.call("POST", "/v1/invoices/{invoice_id}/resolve-dispute", "clerk", resolved, invoice_id=iid)
    note = {"amount": "100.00", "reason": "discount", "issued_on": "2026-01-07"}
    api.call("POST", "/v1/invoices/{invoice_id}/credit-notes", "clerk", note, invoice_id=iid)
    pay = api.call(
        "POST",
        "/v1/payments",
        "clerk",
        {"customer_id": cid, "amount": "400.00", "received_on": "2026-02-01"},
    )
    pid = pay["payment_id"]
    undo = {"invoice_id": iid, "reason": "wrong", "deallocated_on": "2026-02-02"}
    api.call("POST", "/v1/payments/{payment_id}/deallocate", "clerk", undo, payment_id=pid)
    api.call(
        "POST",
        "/v1/payments/{payment_id}/allocations",
        "clerk",
        {"allocated_on": "2026-02-03"},
        payment_id=pid,
    )
    api.read("/v1/payments/{payment_id}", payment_id=pid)
    api.read("/v1/payments")
    api.call(
        "POST",
        "/v1/payments/{payment_id}/reverse",
        "clerk",
        {"reversed_on": "2026-02-04"},
        payment_id=pid,
    )
    api.call("POST", "/v1/dunning/runs", "clerk", {"as_of": "2026-03-20"})
    api.read("/v1/invoices/{invoice_id}", invoice_id=iid)
    api.read("/v1/invoices")
    for template in (
        "/v1/customers/{customer_id}",
        "/v1/customers/{customer_id}/open-items?as_of=2026-03-01",
        "/v1/customers/{customer_id}/aging?as_of=2026-03-01",
        "/v1/customers/{customer_id}/credit-exposure",
        "/v1/customers/{customer_id}/statement?from=2026-01-01&to=2026-12-31",
    ):
        api.read(template, customer_id=cid)
    api.read("/v1/customers")
    api.read("/v1/aging?as_of=2026-03-01")
    api.read("/v1/credit-exposure")
    api.read("/v1/kpis?from=2026-01-01&to=2026-03-31")
    api.read("/v1/collections/worklist?as_of=2026-03-01")
    api.read("/v1/gl/entries")
    api.read("/v1/gl/trial-balance")
    api.read("/v1/reports/tax?from=2026-01-01&to=2026-12-31")
    write_off = {"reason": "insolvent", "written_off_on": "2026-06-01"}
    api.call("POST", "/v1/invoices/{invoice_id}/write-off", "credit", write_off, invoice_id=iid)
    api.call("POST", "/v1/periods/close", body={"through": "2026-01-31", "reason": "month end"})
    api.call("GET", "/v1/periods")
    api.call("GET", "/v1/audit/customers/{customer_id}/events", "auditor", customer_id=cid)
    api.call("GET", "/v1/audit/aggregates/{aggregate_id}/events", "auditor", aggregate_id=iid)
    api.call("GET", "/v1/audit/aggregates/{aggregate_id}/state", "auditor", aggregate_id=iid)
    api.call(
        "GET",
        "/v1/audit/customers/{customer_id}/aging?as_of=2026-03-01",
        "auditor",
        customer_id=cid,
    )
    api.call("POST", "/v1/audit/verify", "auditor")
    api.call("GET", "/v1/schemas")
    api.call("GET", "/healthz")
    hook = api.call(
        "POST", "/v1/webhooks", body={"url": "http://localhost:8123/hook", "types": ["o2c.*"]}
    )
    wid = hook["webhook_id"]
    api.call("GET", "/v1/webhooks")
    api.call("GET", "/v1/webhooks/{webhook_id}", webhook_id=wid)
    api.call("GET", "/v1/webhooks/{webhook_id}/deliveries", webhook_id=wid)
    api.call("POST", "/v1/webhooks/{webhook_id}/replay", body={"from_position": 1}, webhook_id=wid)
    # Each kind of answer: commands' results, query views, audit and webhook documents.
    assert len(api.checked) >= 50, sorted(api.checked)
