"""Every 4xx path answers problem+json with a stable type, and the role matrix holds."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import auth

# An id nobody has; fixed, since it is part of the test ids every xdist worker must agree on.
ID = str(uuid.UUID(int=0x4F2C))

# (method, path, role that may call it besides admin; None = any authenticated role)
ENDPOINTS = [
    ("post", "/v1/customers", "credit"),
    ("post", f"/v1/customers/{ID}/credit-limit", "credit"),
    ("post", f"/v1/customers/{ID}/hold", "credit"),
    ("post", f"/v1/customers/{ID}/release", "credit"),
    ("post", f"/v1/customers/{ID}/terms", "credit"),
    ("post", f"/v1/customers/{ID}/close", "credit"),
    ("post", "/v1/orders", "clerk"),
    ("post", f"/v1/orders/{ID}/approve", "credit"),
    ("post", f"/v1/orders/{ID}/shipments", "clerk"),
    ("post", f"/v1/orders/{ID}/cancel", "clerk"),
    ("post", f"/v1/orders/{ID}/invoices", "clerk"),
    ("post", "/v1/payments", "clerk"),
    ("post", f"/v1/payments/{ID}/reverse", "clerk"),
    ("post", f"/v1/payments/{ID}/allocations", "clerk"),
    ("post", f"/v1/payments/{ID}/deallocate", "clerk"),
    ("post", f"/v1/invoices/{ID}/credit-notes", "clerk"),
    ("post", f"/v1/invoices/{ID}/dispute", "clerk"),
    ("post", f"/v1/invoices/{ID}/resolve-dispute", "clerk"),
    ("post", f"/v1/invoices/{ID}/write-off", "credit"),
    ("post", "/v1/dunning/runs", "clerk"),
    ("get", f"/v1/customers/{ID}", None),
    ("get", f"/v1/orders/{ID}", None),
    ("get", f"/v1/invoices/{ID}", None),
    ("get", f"/v1/customers/{ID}/open-items", None),
    ("get", f"/v1/customers/{ID}/aging", None),
    ("get", "/v1/aging", None),
    ("get", f"/v1/customers/{ID}/credit-exposure", None),
    ("get", "/v1/credit-exposure", None),
    ("get", f"/v1/customers/{ID}/statement?from=2026-01-01&to=2026-02-01", None),
    ("get", "/v1/kpis", None),
    ("get", "/v1/collections/worklist", None),
    ("get", "/v1/invoices", None),
    ("get", "/v1/payments", None),
    ("get", "/v1/customers", None),
]
ROLES = ["clerk", "credit", "auditor", "admin"]


def call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> object:
    if method == "post":
        return client.post(path, json={}, headers=headers)
    return client.get(path, headers=headers)


@pytest.mark.parametrize(("method", "path", "owner"), ENDPOINTS)
def test_role_matrix(client: TestClient, method: str, path: str, owner: str | None) -> None:
    assert call(client, method, path, {}).status_code == 401  # type: ignore[attr-defined]
    for role in ROLES:
        response: Any = call(client, method, path, auth(role))
        allowed = owner is None or role in (owner, "admin")
        if allowed:
            assert response.status_code not in (401, 403), (role, path, response.text)
        else:
            assert response.status_code == 403, (role, path, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")


def test_unknown_token_is_401(client: TestClient) -> None:
    response = client.get("/v1/aging", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and response.json()["type"].endswith("/unauthorized")


def problem(
    client: TestClient,
    method: str,
    path: str,
    status: int,
    code: str,
    body: object = None,
    role: str = "admin",
) -> None:
    kwargs: dict[str, object] = {"headers": auth(role)}
    if isinstance(body, str):
        kwargs["content"] = body
        kwargs["headers"] = {**auth(role), "Content-Type": "application/json"}
    elif body is not None:
        kwargs["json"] = body
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == f"https://o2c.dev/problems/{code}"


def test_bad_input_is_422_never_500(client: TestClient) -> None:
    problem(client, "post", "/v1/customers", 422, "invalid-input", "{not json")
    problem(
        client,
        "post",
        "/v1/customers",
        422,
        "invalid-input",
        {"name": "A", "currency": "EUR", "credit_limit": "abc"},
    )
    problem(
        client,
        "post",
        "/v1/customers",
        422,
        "invalid-input",
        {"name": "A", "currency": "EUR", "credit_limit": "1", "extra": 1},
    )
    problem(
        client,
        "post",
        "/v1/customers",
        422,
        "invalid-amount-precision",
        {"name": "A", "currency": "EUR", "credit_limit": "1.001"},
    )
    problem(
        client,
        "post",
        "/v1/customers",
        422,
        "invalid-currency",
        {"name": "A", "currency": "XXX", "credit_limit": "1"},
    )
    problem(
        client,
        "post",
        "/v1/customers",
        422,
        "invalid-amount",
        {"name": "A", "currency": "EUR", "credit_limit": "1e30"},
    )
    problem(client, "get", "/v1/customers/not-a-uuid", 422, "invalid-input")
    problem(client, "get", "/v1/aging?as_of=2026-13-01", 422, "invalid-input")
    problem(client, "get", "/v1/aging?buckets=60,30", 422, "invalid-buckets")
    problem(client, "get", "/v1/aging?basis=weird", 422, "invalid-input")
    problem(
        client,
        "get",
        f"/v1/customers/{ID}/statement?from=2026-02-01&to=2026-01-01",
        422,
        "invalid-period",
    )
    # A correlation id that is not a UUID: refused for the header, the (valid) body aside.
    response = client.post(
        "/v1/dunning/runs", json={}, headers={**auth("clerk"), "X-Correlation-Id": "x"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "https://o2c.dev/problems/invalid-header"


def test_unknown_ids_are_404(client: TestClient) -> None:
    problem(client, "get", f"/v1/customers/{ID}", 404, "customer-not-found")
    problem(client, "get", f"/v1/orders/{ID}", 404, "order-not-found")
    problem(client, "get", f"/v1/invoices/{ID}", 404, "invoice-not-found")
    problem(
        client,
        "post",
        "/v1/orders",
        404,
        "customer-not-found",
        {"customer_id": ID, "lines": [{"sku": "A", "quantity": 1, "unit_price": "1"}]},
    )
    problem(client, "post", f"/v1/payments/{ID}/reverse", 404, "payment-not-found", {})
    problem(client, "post", f"/v1/invoices/{ID}/dispute", 404, "invoice-not-found", {"reason": "x"})


def test_rules_the_state_forbids_are_409(client: TestClient) -> None:
    cid = client.post(
        "/v1/customers",
        json={"name": "A", "currency": "EUR", "credit_limit": "1000"},
        headers=auth("admin"),
    ).json()["customer_id"]
    order = client.post(
        "/v1/orders",
        json={"customer_id": cid, "lines": [{"sku": "A", "quantity": 2, "unit_price": "10.00"}]},
        headers=auth("clerk"),
    ).json()
    oid = order["order_id"]
    problem(
        client,
        "post",
        f"/v1/orders/{oid}/shipments",
        409,
        "overshipment",
        {"lines": [{"sku": "A", "quantity": 3}]},
    )
    problem(client, "post", f"/v1/orders/{oid}/invoices", 409, "nothing-to-invoice", {})
    problem(client, "post", f"/v1/orders/{oid}/approve", 409, "not-on-hold", {})
    problem(
        client, "post", f"/v1/customers/{cid}/close", 409, "account-not-settled", {"reason": "x"}
    )
    problem(client, "post", f"/v1/customers/{cid}/release", 409, "not-on-hold", {"reason": "x"})
    problem(
        client,
        "post",
        "/v1/customers",
        409,
        "already-exists",
        {"customer_id": cid, "name": "B", "currency": "EUR", "credit_limit": "1"},
    )


def test_schemas_are_served(client: TestClient) -> None:
    index = client.get("/v1/schemas", headers=auth("clerk")).json()["schemas"]
    assert any(s["type"] == "o2c.invoice.issued.v1" for s in index)
    schema = client.get("/v1/schemas/o2c.invoice.issued.v1", headers=auth("clerk")).json()
    assert schema["title"] == "o2c.invoice.issued.v1" and "total" in schema["properties"]
    problem(client, "get", "/v1/schemas/o2c.nothing.v9", 404, "schema-not-found")
