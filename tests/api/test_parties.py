"""The seller's profile and customers' master data over HTTP: shapes, 422s, 409s, roles."""

from __future__ import annotations

import base64
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from tests.api.conftest import auth

BERLIN = {
    "lines": ["Unter den Linden 1"],
    "city": "Berlin",
    "postal_code": "10117",
    "country": "DE",
}
PARIS = {"lines": ["1 rue de Rivoli"], "city": "Paris", "postal_code": "75001", "country": "FR"}
SELLER = {
    "legal_name": "Seller GmbH",
    "address": BERLIN,
    "vat_id": "DE136695976",
    "peppol_id": "9930:DE136695976",
    "iban": "DE89 3704 0044 0532 0130 00",
    "bic": "COBADEFFXXX",
    "contact_name": "Eva Seller",
    "email": "billing@seller.example",
    "phone": "+49 30 1234567",
    "default_language": "de",
}


def _open(client: TestClient, **party: Any) -> dict[str, Any]:
    body = {"name": "Acme", "currency": "EUR", "credit_limit": "1000", **party}
    response = client.post("/v1/customers", json=body, headers=auth("credit"))
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def _patch(client: TestClient, cid: str, body: dict[str, Any], role: str = "credit") -> Any:
    return client.patch(f"/v1/customers/{cid}", json=body, headers=auth(role))


def _code(response: Any) -> str:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return str(response.json()["code"])


def _stream(client: TestClient, cid: str) -> list[str]:
    container = client.app.state.container  # type: ignore[attr-defined]
    return [e.event_type for e in container.store.read_stream(UUID(cid))]


def test_company_profile_round_trip_and_roles(client: TestClient) -> None:
    assert _code(client.get("/v1/company", headers=auth("clerk"))) == "company-not-set-up"
    assert client.put("/v1/company", json=SELLER, headers=auth("credit")).status_code == 403
    put = client.put("/v1/company", json=SELLER, headers=auth("admin"))
    assert put.status_code == 200, put.text
    for role in ("clerk", "credit", "auditor", "admin"):
        got = client.get("/v1/company", headers=auth(role)).json()
        assert got["legal_name"] == "Seller GmbH" and got["iban"] == "DE89370400440532013000"
        assert got["address"] == BERLIN and got["logo"] is None
    # PUT replaces the whole profile: the phone left out is cleared, and only it is recorded.
    again = client.put(
        "/v1/company", json={k: v for k, v in SELLER.items() if k != "phone"}, headers=auth("admin")
    )
    assert again.json()["phone"] is None
    events = client.app.state.container.store.read_all()  # type: ignore[attr-defined]
    changes = [e.data["changes"] for e in events if e.event_type == "CompanyDetailsChanged"]
    assert changes[-1] == {"phone": None} and len(changes) == 2


def test_company_refuses_bad_fields(client: TestClient) -> None:
    cases = {
        "invalid-vat-id": {**SELLER, "vat_id": "FR40303265045"},
        "invalid-iban": {**SELLER, "iban": "DE89 3704 0044 0532 0130 01"},
        "invalid-bic": {**SELLER, "bic": "XX"},
        "invalid-country": {**SELLER, "address": {**BERLIN, "country": "ZZ"}},
        "invalid-language": {**SELLER, "default_language": "es"},
        "invalid-peppol-id": {**SELLER, "peppol_id": "DE136695976"},
    }
    for code, body in cases.items():
        response = client.put("/v1/company", json=body, headers=auth("admin"))
        assert response.status_code == 422 and _code(response) == code, (code, response.text)
    assert client.app.state.container.store.last_position() == 0  # type: ignore[attr-defined]


def test_company_logo(client: TestClient) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(100)
    body = {"media_type": "image/png", "content_base64": base64.b64encode(png).decode()}
    assert client.put("/v1/company/logo", json=body, headers=auth("credit")).status_code == 403
    assert client.put("/v1/company/logo", json=body, headers=auth("admin")).status_code == 200
    got = client.get("/v1/company/logo", headers=auth("clerk"))
    assert got.content == png and got.headers["content-type"] == "image/png"
    assert "sandbox" in got.headers["content-security-policy"]
    assert client.get("/v1/company", headers=auth("clerk")).json()["logo"]["size"] == len(png)
    big = {"media_type": "image/png", "content_base64": base64.b64encode(png * 2100).decode()}
    assert _code(client.put("/v1/company/logo", json=big, headers=auth("admin"))) == "invalid-logo"
    assert client.delete("/v1/company/logo", headers=auth("admin")).status_code == 200
    assert _code(client.get("/v1/company/logo", headers=auth("clerk"))) == "no-logo"


def test_customer_details_on_open_and_patch(client: TestClient) -> None:
    client.put("/v1/company", json=SELLER, headers=auth("admin"))
    opened = _open(
        client,
        customer_number="C-10001",
        legal_name="Acme SA",
        address=PARIS,
        vat_id="FR 40 303265045",
        language="fr",
        contacts=[{"role": "billing", "name": "Ann", "email": "AP@acme.example"}],
        billing_policy="manual",
    )
    cid = opened["customer_id"]
    assert opened["vat_id"] == "FR40303265045" and opened["tax_treatment"] == "intra_eu"
    view = client.get(
        f"/v1/customers/{cid}?min_position={opened['position']}", headers=auth("clerk")
    ).json()
    assert view["customer_number"] == "C-10001" and view["address"] == PARIS
    assert view["tax_treatment"] == "intra_eu" and view["tax_treatment_source"] == "derived"
    assert view["contacts"] == [{"role": "billing", "name": "Ann", "email": "AP@acme.example"}]
    assert view["billing_policy"] == {"mode": "manual", "period": None, "send": False}
    assert _stream(client, cid) == ["AccountOpened", "CustomerDetailsChanged"]

    # Only what differs is recorded; a PATCH that changes nothing records nothing.
    same = _patch(client, cid, {"legal_name": "Acme SA", "language": "fr"})
    assert same.status_code == 200 and len(_stream(client, cid)) == 2
    moved = _patch(client, cid, {"address": BERLIN, "vat_id": "DE136695976"})
    assert moved.json()["tax_treatment"] == "domestic"
    store = client.app.state.container.store  # type: ignore[attr-defined]
    last = store.read_stream(UUID(cid))[-1]
    assert set(last.data["changes"]) == {"address", "vat_id", "tax_treatment"}
    set_ = _patch(client, cid, {"tax_treatment": "exempt"}).json()
    assert (set_["tax_treatment"], set_["tax_treatment_source"]) == ("exempt", "set")
    cleared = _patch(client, cid, {"buyer_reference": "991-12345-67", "contacts": None}).json()
    assert cleared["contacts"] == [] and cleared["buyer_reference"] == "991-12345-67"


def test_customer_details_refusals_store_nothing(client: TestClient) -> None:
    cid = _open(client, address=BERLIN)["customer_id"]
    cases = {
        "invalid-vat-id": {"vat_id": "DE136695977"},  # checksum
        "invalid-language": {"language": "es"},
        "invalid-billing-policy": {"billing_policy": "monthly"},
        "billing-policy-unsupported": {"billing_policy": {"mode": "periodic", "period": "month"}},
        "invalid-peppol-id": {"peppol_id": "nope"},
        "invalid-email": {"contacts": [{"role": "dunning", "email": "nobody"}]},
        "invalid-tax-treatment": {"tax_treatment": "zero"},
    }
    for code, body in cases.items():
        response = _patch(client, cid, body)
        assert response.status_code == 422 and _code(response) == code, (code, response.text)
    # The country check: a French VAT ID on a German address.
    mismatch = _patch(client, cid, {"vat_id": "FR40303265045"})
    assert mismatch.status_code == 422 and _code(mismatch) == "invalid-vat-id"
    assert "country" in mismatch.json()["detail"]
    assert _stream(client, cid) == ["AccountOpened", "CustomerDetailsChanged"]
    # Opening with a bad VAT ID opens nothing.
    bad = client.post(
        "/v1/customers",
        json={"name": "B", "currency": "EUR", "credit_limit": "1", "vat_id": "IT00743110158"},
        headers=auth("credit"),
    )
    assert bad.status_code == 422 and _code(bad) == "invalid-vat-id"


def test_customer_numbers_are_unique(client: TestClient) -> None:
    first = _open(client, customer_number="C-1")["customer_id"]
    second = _open(client)["customer_id"]
    taken = _patch(client, second, {"customer_number": " c-1 "})
    assert taken.status_code == 409 and _code(taken) == "customer-number-taken"
    dup = client.post(
        "/v1/customers",
        json={"name": "Dup", "currency": "EUR", "credit_limit": "1", "customer_number": "C-1"},
        headers=auth("credit"),
    )
    assert dup.status_code == 409
    # The holder moving to another number keeps its old one: nobody else gets it.
    assert _patch(client, first, {"customer_number": "C-2"}).status_code == 200
    assert _patch(client, second, {"customer_number": "C-1"}).status_code == 409
    assert _patch(client, first, {"customer_number": "C-1"}).status_code == 200
    assert _patch(client, second, {"customer_number": "C-3"}).status_code == 200


def test_patch_roles_and_unknown_customer(client: TestClient) -> None:
    cid = _open(client)["customer_id"]
    for role in ("clerk", "auditor"):
        assert _patch(client, cid, {"legal_name": "X"}, role).status_code == 403
    assert _patch(client, cid, {"legal_name": "X"}, "admin").status_code == 200
    missing = _patch(client, "00000000-0000-4000-8000-000000000000", {"legal_name": "X"})
    assert missing.status_code == 404
    assert _code(_patch(client, cid, {"nickname": "X"})) == "invalid-input"


def test_search_matches_number_vat_id_and_contact_email(client: TestClient) -> None:
    cid = _open(
        client,
        customer_number="K-777",
        address=BERLIN,
        vat_id="DE136695976",
        contacts=[{"role": "statements", "email": "Books@Acme.example"}],
    )["customer_id"]
    position = _open(client)["position"]
    for q in ("k-777", "DE 136 695", "books@acme", "Acme"):
        found = client.get(
            "/v1/customers", params={"q": q, "min_position": position}, headers=auth("clerk")
        ).json()
        ids = [c["customer_id"] for c in found["items"]]
        assert cid in ids, q
        assert q == "Acme" or len(ids) == 1, q
