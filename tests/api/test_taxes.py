"""Tax on order and invoice lines over HTTP: defaults per tax treatment, every category, 422s,
multi-rate totals, JPY, credit notes by lines and by amount, discount and write-off splits, and
the seller and buyer recorded as they were at issue."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import auth
from tests.api.test_parties import BERLIN, PARIS, SELLER

D = Decimal
NEW_YORK = {"lines": ["1 Main St"], "city": "New York", "postal_code": "10001", "country": "US"}


def _post(client: TestClient, path: str, body: dict[str, Any], role: str = "admin") -> Any:
    return client.post(path, json=body, headers=auth(role))


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    data: dict[str, Any] = response.json()
    return data


def _customer(client: TestClient, currency: str = "EUR", **party: Any) -> str:
    body = {"name": "Buyer", "currency": currency, "credit_limit": "10000000", **party}
    body.setdefault("payment_terms", {"net_days": 30, "discount_percent": "2", "discount_days": 10})
    return str(_ok(_post(client, "/v1/customers", body))["customer_id"])


def _seller(client: TestClient) -> None:
    _ok(client.put("/v1/company", json=SELLER, headers=auth("admin")))


def _invoice(client: TestClient, cid: str, lines: list[dict[str, Any]], **order: Any) -> Any:
    placed = _ok(_post(client, "/v1/orders", {"customer_id": cid, "lines": lines, **order}))
    oid = placed["order_id"]
    ship = [{"sku": ln["sku"], "quantity": ln["quantity"]} for ln in lines]
    _ok(_post(client, f"/v1/orders/{oid}/shipments", {"lines": ship}))
    return placed, _ok(_post(client, f"/v1/orders/{oid}/invoices", {}))


def _line(sku: str, quantity: int, price: str, **tax: Any) -> dict[str, Any]:
    return {"sku": sku, "quantity": quantity, "unit_price": price, **tax}


def _groups(body: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return [(g["category"], g["rate"], g["taxable"], g["tax"]) for g in body["tax_breakdown"]]


def test_domestic_lines_at_two_rates_total_gross_and_parties_as_at_issue(
    client: TestClient,
) -> None:
    _seller(client)
    cid = _customer(client, legal_name="Kunde AG", address=BERLIN, vat_id="DE811569869")
    lines = [
        _line("A", 3, "33.33"),  # 99.99 at 19 %
        _line("B", 1, "0.05"),  # 0.05 at 19 %: taxed with A, rounded once per group
        _line("C", 2, "10.00", tax_rate="7"),
    ]
    placed, inv = _invoice(client, cid, lines, purchase_order="PO-4711")
    # 19 %: 100.04 → 19.0076 → 19.01; 7 %: 20.00 → 1.40; the order's total is already gross.
    assert _groups(inv) == [("S", "19.00", "100.04", "19.01"), ("S", "7.00", "20.00", "1.40")]
    assert (inv["net_total"], inv["tax_total"], inv["total"]) == ("120.04", "20.41", "140.45")
    assert placed["total"] == "140.45"
    assert inv["purchase_order"] == "PO-4711"
    assert inv["seller"]["vat_id"] == "DE136695976" and inv["seller"]["iban"]
    assert inv["buyer"]["name"] == "Kunde AG" and inv["buyer"]["vat_id"] == "DE811569869"
    assert [ln["tax_category"] for ln in inv["lines"]] == ["S", "S", "S"]
    # A later address change never rewrites the issued invoice.
    moved = {**BERLIN, "city": "Potsdam", "postal_code": "14467"}
    _ok(client.patch(f"/v1/customers/{cid}", json={"address": moved}, headers=auth("credit")))
    got = client.get(
        f"/v1/invoices/{inv['invoice_id']}?min_position={inv['position']}", headers=auth("clerk")
    ).json()
    assert got["buyer"]["address"]["city"] == "Berlin"
    assert got["tax_breakdown"][0]["rate"] == "19.00" and got["total"] == "140.45"
    assert (got["net_total"], got["tax_total"], got["purchase_order"]) == (
        "120.04",
        "20.41",
        "PO-4711",
    )
    assert got["lines"][2]["tax_rate"] == "7.00"
    # The early-payment discount's base is the gross total.
    assert got["discount_amount"] == "2.81"


def test_every_category_and_its_defaults(client: TestClient) -> None:
    _seller(client)
    intra = _customer(client, address=PARIS, vat_id="FR40303265045")
    export = _customer(client, address=NEW_YORK)
    exempt = _customer(client, address=BERLIN, tax_treatment="exempt")
    domestic = _customer(client, address=BERLIN)
    cases = [
        (intra, _line("G1", 1, "100.00"), "K", "VATEX-EU-IC"),
        (intra, _line("S1", 1, "100.00", kind="service"), "AE", "VATEX-EU-AE"),
        (export, _line("E1", 1, "100.00"), "G", "VATEX-EU-G"),
        (exempt, _line("X1", 1, "100.00"), "E", "VATEX-EU-132"),
        (domestic, _line("Z1", 1, "100.00", tax_category="Z"), "Z", None),
        (domestic, _line("O1", 1, "100.00", tax_category="O"), "O", "VATEX-EU-O"),
        (
            exempt,
            _line("X2", 1, "100.00", exemption_reason="Heilbehandlung § 4 Nr. 14 UStG"),
            "E",
            None,
        ),
    ]
    for cid, line, category, code in cases:
        _, inv = _invoice(client, cid, [line])
        (group,) = inv["tax_breakdown"]
        assert (group["category"], group["rate"], group["tax"]) == (category, "0.00", "0.00")
        assert group["exemption_reason_code"] == code
        assert inv["total"] == inv["net_total"] == "100.00" and inv["tax_total"] == "0.00"


def test_refusals_store_nothing(client: TestClient) -> None:
    _seller(client)
    no_vat = _customer(client, address=BERLIN)
    store = client.app.state.container.store  # type: ignore[attr-defined]
    before = store.last_position()
    cases = {
        "buyer-vat-id-required": _line("A", 1, "10", tax_category="K"),
        "invalid-tax": _line("A", 1, "10", tax_rate="-19"),
    }
    for code, line in cases.items():
        refused = _post(client, "/v1/orders", {"customer_id": no_vat, "lines": [line]})
        assert refused.status_code == 422, refused.text
        assert refused.json()["code"] == code
    for line in (
        _line("A", 1, "10", tax_category="XX"),
        _line("A", 1, "10", tax_rate="12"),
        _line("A", 1, "10", tax_category="S", exemption_reason="no"),
        _line("A", 1, "10", tax_category="AE", buyer="x"),
    ):
        refused = _post(client, "/v1/orders", {"customer_id": no_vat, "lines": [line]})
        assert refused.status_code == 422, refused.text
    assert store.last_position() == before


def test_jpy_has_no_minor_unit(client: TestClient) -> None:
    _seller(client)
    cid = _customer(client, currency="JPY", address=BERLIN)
    _, inv = _invoice(client, cid, [_line("A", 3, "333"), _line("B", 1, "50", tax_rate="7")])
    # 999 × 19 % = 189.81 → 190; 50 × 7 % = 3.5 → 4 (half-up).
    assert _groups(inv) == [("S", "19.00", "999", "190"), ("S", "7.00", "50", "4")]
    assert inv["total"] == "1243"


def test_credit_notes_by_lines_and_by_amount_add_up(client: TestClient) -> None:
    _seller(client)
    cid = _customer(client, address=BERLIN)
    lines = [_line("A", 3, "33.33"), _line("C", 2, "10.00", tax_rate="7")]
    _, inv = _invoice(client, cid, lines)
    iid = inv["invoice_id"]
    assert inv["total"] == "140.39"  # 99.99 + 19.00 + 20.00 + 1.40
    one = _ok(
        _post(
            client,
            f"/v1/invoices/{iid}/credit-notes",
            {"lines": [{"sku": "A", "quantity": 1}], "reason": "returned"},
            "clerk",
        )
    )["credit_note"]
    assert one["number"].startswith("CN-")
    assert (one["net_total"], one["tax_total"], one["total"]) == ("33.33", "6.33", "39.66")
    # The rest of A in two more notes: together exactly the invoice's 19 % group.
    two = _ok(
        _post(
            client,
            f"/v1/invoices/{iid}/credit-notes",
            {"lines": [{"sku": "A", "quantity": 2}], "reason": "returned"},
            "clerk",
        )
    )
    assert D(one["tax_total"]) + D(two["credit_note"]["tax_total"]) == D("19.00")
    over = _post(
        client,
        f"/v1/invoices/{iid}/credit-notes",
        {"lines": [{"sku": "A", "quantity": 1}], "reason": "again"},
        "clerk",
    )
    assert over.status_code == 409 and over.json()["code"] == "credit-exceeds-invoiced"
    by_amount = _ok(
        _post(
            client,
            f"/v1/invoices/{iid}/credit-notes",
            {"amount": "10.70", "reason": "goodwill"},
            "clerk",
        )
    )
    note = by_amount["credit_note"]
    assert note["tax_breakdown"] == [
        {
            "category": "S",
            "rate": "7.00",
            "taxable": "10.00",
            "tax": "0.70",
            "exemption_reason_code": None,
            "exemption_reason": None,
        }
    ]
    assert by_amount["open_amount"] == "10.70"
    both = _post(
        client,
        f"/v1/invoices/{iid}/credit-notes",
        {"amount": "1.00", "lines": [{"sku": "C", "quantity": 1}], "reason": "x"},
        "clerk",
    )
    assert both.status_code == 422 and both.json()["code"] == "invalid-credit-note"


def test_credit_by_amount_splits_across_groups_exactly(client: TestClient) -> None:
    _seller(client)
    cid = _customer(client, address=BERLIN)
    _, inv = _invoice(client, cid, [_line("A", 1, "100.00"), _line("C", 1, "100.00", tax_rate="7")])
    body = _ok(
        _post(
            client,
            f"/v1/invoices/{inv['invoice_id']}/credit-notes",
            {"amount": "33.33", "reason": "goodwill"},
            "clerk",
        )
    )["credit_note"]
    parts = [D(g["taxable"]) + D(g["tax"]) for g in body["tax_breakdown"]]
    assert sum(parts) == D("33.33") == D(body["net_total"]) + D(body["tax_total"])
    assert all(D(g["taxable"]) >= 0 and D(g["tax"]) >= 0 for g in body["tax_breakdown"])


def test_write_off_records_net_and_tax_parts(client: TestClient) -> None:
    _seller(client)
    cid = _customer(client, address=BERLIN)
    _, inv = _invoice(client, cid, [_line("A", 1, "100.00"), _line("C", 1, "50.00", tax_rate="7")])
    done = _ok(
        _post(client, f"/v1/invoices/{inv['invoice_id']}/write-off", {"reason": "insolvent"})
    )
    parts = done["write_off"]
    assert parts["tax_relief"] is True
    assert _groups(parts) == [("S", "19.00", "100.00", "19.00"), ("S", "7.00", "50.00", "3.50")]
    assert done["written_off"] == "172.50" == done["total"]


def test_an_untaxed_customer_keeps_working_as_before(client: TestClient) -> None:
    # No address and no tax treatment: nothing to decide the tax from; the order is untaxed.
    cid = _customer(client)
    _, inv = _invoice(client, cid, [_line("A", 2, "10.00")])
    assert inv["total"] == "20.00" and inv["tax_breakdown"] is None and inv["seller"] is None
    refused = _post(
        client,
        f"/v1/invoices/{inv['invoice_id']}/credit-notes",
        {"lines": [{"sku": "A", "quantity": 1}], "reason": "x"},
        "clerk",
    )
    assert refused.status_code == 409 and refused.json()["code"] == "no-tax-data"
