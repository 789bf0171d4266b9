"""Invoices and credit notes the application itself records, drawn at random, are valid
e-invoices: customers in every tax treatment and currency, multi-rate lines, credit notes by
amount (split across groups) and by lines (group tax settled across notes), in every syntax and
profile, pass the XML schema and the CEN EN 16931 rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from o2c.domain.money import quantum
from o2c.einvoice import Profile, Syntax
from tests.api.test_parties import BERLIN, PARIS
from tests.api.test_taxes import NEW_YORK, _customer, _invoice, _post, _seller
from tests.einvoice.test_api_einvoices import PEPPOL, RULES, _fatal, _xml
from tests.support.einvoice_validator import EInvoiceValidator

# Per tax treatment: the customer's party fields and the taxes its lines may name (None: the
# customer's default for the line's kind).
_TREATMENTS: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {
    "domestic": (
        {"address": BERLIN, "vat_id": "DE811569869", "peppol_id": "0204:991-1-1"},
        [{}, {"tax_rate": "7"}, {"tax_category": "Z"}, {"tax_category": "E"}],
    ),
    "intra_eu": (
        {"address": PARIS, "vat_id": "FR40303265045", "peppol_id": "9957:FR40303265045"},
        [{}, {"kind": "service"}],
    ),
    "export": (
        {"address": NEW_YORK, "peppol_id": "0088:4035811991021"},
        [{}, {"kind": "service"}, {"tax_category": "E"}],
    ),
    "exempt": (
        {"address": BERLIN, "tax_treatment": "exempt", "peppol_id": "0204:991-2-2"},
        [{}, {"kind": "service"}],
    ),
}


@st.composite
def _books(draw: st.DrawFn) -> dict[str, Any]:
    treatment = draw(st.sampled_from(sorted(_TREATMENTS)))
    party, taxes = _TREATMENTS[treatment]
    currency = draw(st.sampled_from(["EUR", "JPY"]))
    places = -int(quantum(currency).as_tuple().exponent)
    lines = [
        {
            "sku": f"SKU{index}",
            "quantity": draw(st.integers(1, 50)),
            "unit_price": str(
                draw(st.decimals(Decimal(1), Decimal(5000), places=places, allow_nan=False))
            ),
            **draw(st.sampled_from(taxes)),
        }
        for index in range(draw(st.integers(1, 5)))
    ]
    credits = draw(
        st.lists(
            st.tuples(st.sampled_from(["amount", "lines"]), st.integers(0, len(lines) - 1)),
            max_size=3,
        )
    )
    return {
        "treatment": treatment,
        "party": party,
        "currency": currency,
        "lines": lines,
        "credits": credits,
    }


def _credit(
    client: TestClient, invoice: dict[str, Any], open_amount: Decimal, how: str, index: int
) -> Any:
    # The invoice's unit: a yen share has no decimals.
    unit = quantum("JPY") if "." not in str(invoice["total"]) else Decimal("0.01")
    """A credit note of one unit of a line, or of a share of what is open; ``None`` if refused
    (all of that line credited already)."""
    iid = invoice["invoice_id"]
    if how == "lines":
        sku = invoice["lines"][index]["sku"]
        body: dict[str, Any] = {"lines": [{"sku": sku, "quantity": 1}], "reason": "returned"}
    else:
        share = (open_amount / (index + 2)).quantize(unit)
        body = {"amount": str(share), "reason": "goodwill"}
    response = _post(client, f"/v1/invoices/{iid}/credit-notes", body, "clerk")
    return response.json() if response.status_code == 201 else None


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(books=_books())
def test_what_the_application_records_is_a_valid_einvoice(
    client: TestClient, validator: EInvoiceValidator, books: dict[str, Any]
) -> None:
    _seller(client)
    customer = _customer(client, currency=books["currency"], **books["party"], **PEPPOL)
    _, invoice = _invoice(client, customer, books["lines"])
    position = int(invoice["position"])
    paths = [f"/v1/invoices/{invoice['invoice_id']}/einvoice"]
    open_amount = Decimal(invoice["total"])
    for how, index in books["credits"]:
        credited = _credit(client, invoice, open_amount, how, index)
        if credited is not None:
            position, open_amount = int(credited["position"]), Decimal(credited["open_amount"])
            paths.append(f"/v1/credit-notes/{credited['credit_note_id']}/einvoice")
    for syntax in Syntax:
        batch = [
            (path, profile, _xml(client, path, syntax, profile, position))
            for path in paths
            for profile in Profile
        ]
        reports = validator.validate([xml for _, _, xml in batch], RULES[syntax])
        for (path, profile, xml), report in zip(batch, reports, strict=True):
            problems = _fatal(report, syntax, profile)
            assert not problems, f"{books}\n{path} {syntax} {profile}\n{xml.decode()}\n{problems}"
