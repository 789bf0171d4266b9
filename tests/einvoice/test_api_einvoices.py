"""E-invoices over HTTP: every invoice and credit note of a tax scenario, in every syntax and
profile that applies, passes the XML schema and the CEN EN 16931 rules; the same document gives
the same bytes; what a profile needs and the invoice lacks is a 409."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from o2c.domain.creditor_reference import creditor_reference
from o2c.einvoice import Profile, Syntax
from tests.api.conftest import auth
from tests.api.test_parties import BERLIN, PARIS
from tests.api.test_taxes import NEW_YORK, _customer, _invoice, _line, _ok, _post, _seller
from tests.support.einvoice_validator import CEN_CII, CEN_UBL, EInvoiceValidator, Report

RULES = {Syntax.UBL: CEN_UBL, Syntax.CII: CEN_CII}
# The customers of the scenario, each reachable by Peppol and with a buyer reference (BT-10).
PEPPOL = {"buyer_reference": "04011000-12345-03"}
# The CII rules are Factur-X's EN 16931 schematron, which also admits only Factur-X's own
# specification identifiers (BT-24): under it, that one rule cannot judge a Peppol or XRechnung
# CII document, every other rule does.
FACTURX_GUIDELINE_RULE = "FX-SCH-A-000556"


def _fatal(report: Report, syntax: Syntax, profile: Profile) -> list[str]:
    skipped = (
        {FACTURX_GUIDELINE_RULE}
        if syntax is Syntax.CII and profile is not Profile.EN16931
        else set()
    )
    return [
        *report.schema_errors,
        *(f"{f.rule}: {f.text}" for f in report.fatal if f.rule not in skipped),
    ]


def _scenario(client: TestClient) -> tuple[list[str], list[str], int]:
    """A seller and customers in every tax treatment; their invoices and credit notes (by
    amount, by lines, in yen, on an intra-EU supply)."""
    _seller(client)
    domestic = _customer(
        client, address=BERLIN, vat_id="DE811569869", peppol_id="0204:991-12345-67", **PEPPOL
    )
    intra = _customer(
        client, address=PARIS, vat_id="FR40303265045", peppol_id="9957:FR40303265045", **PEPPOL
    )
    export = _customer(client, address=NEW_YORK, peppol_id="0088:4035811991021", **PEPPOL)
    exempt = _customer(
        client, address=BERLIN, tax_treatment="exempt", peppol_id="0204:991-1-2", **PEPPOL
    )
    jpy = _customer(client, currency="JPY", address=BERLIN, peppol_id="0204:991-3-4", **PEPPOL)
    invoices = [
        _invoice(
            client,
            domestic,
            [_line("A", 3, "33.33"), _line("B", 1, "0.05"), _line("C", 2, "10.00", tax_rate="7")],
            purchase_order="PO-4711",
        )[1],
        _invoice(
            client, intra, [_line("K1", 2, "150.00"), _line("AE1", 1, "80.00", kind="service")]
        )[1],
        _invoice(client, export, [_line("G1", 5, "19.99")])[1],
        _invoice(client, exempt, [_line("E1", 1, "250.00")])[1],
        _invoice(client, jpy, [_line("Y1", 3, "333"), _line("Y2", 1, "50", tax_rate="7")])[1],
    ]
    first, jpy_invoice = invoices[0]["invoice_id"], invoices[4]["invoice_id"]
    credits = [
        _ok(_post(client, f"/v1/invoices/{first}/credit-notes", body, "clerk"))
        for body in (
            {"amount": "10.70", "reason": "goodwill"},
            {"lines": [{"sku": "A", "quantity": 1}], "reason": "returned"},
        )
    ]
    for invoice_id, body in (
        (jpy_invoice, {"lines": [{"sku": "Y2", "quantity": 1}], "reason": "returned"}),
        # Intra-EU: the credit note states the supply's delivery date too (BR-IC-11).
        (invoices[1]["invoice_id"], {"amount": "100.00", "reason": "goodwill"}),
    ):
        credits.append(_ok(_post(client, f"/v1/invoices/{invoice_id}/credit-notes", body, "clerk")))
    position = max(int(c["position"]) for c in credits)
    return (
        [str(i["invoice_id"]) for i in invoices],
        [str(c["credit_note_id"]) for c in credits],
        position,
    )


def _get(client: TestClient, path: str, **params: str) -> Any:
    return client.get(path, params=params, headers=auth("clerk"))


def _xml(client: TestClient, path: str, syntax: Syntax, profile: Profile, position: int) -> bytes:
    got = _get(client, path, syntax=syntax.value, profile=profile.value, min_position=str(position))
    assert got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("application/xml")
    assert got.headers["content-disposition"].endswith(f'-{profile.value}-{syntax.value}.xml"')
    content: bytes = got.content
    return content


def test_every_document_of_the_tax_scenario_passes_schema_and_cen_rules(
    client: TestClient, validator: EInvoiceValidator
) -> None:
    invoices, credit_notes, position = _scenario(client)
    paths = [f"/v1/invoices/{i}/einvoice" for i in invoices] + [
        f"/v1/credit-notes/{c}/einvoice" for c in credit_notes
    ]
    for syntax in Syntax:
        batch = [
            (path, profile, _xml(client, path, syntax, profile, position))
            for path in paths
            for profile in Profile
        ]
        reports = validator.validate([xml for _, _, xml in batch], RULES[syntax])
        for (path, profile, xml), report in zip(batch, reports, strict=True):
            problems = _fatal(report, syntax, profile)
            assert not problems, f"{path} {syntax} {profile}\n{xml.decode()}\n{problems}"


def test_the_same_document_gives_the_same_bytes(client: TestClient) -> None:
    invoices, credit_notes, position = _scenario(client)
    for path in (
        f"/v1/invoices/{invoices[1]}/einvoice",
        f"/v1/credit-notes/{credit_notes[1]}/einvoice",
    ):
        for syntax in Syntax:
            first = _xml(client, path, syntax, Profile.XRECHNUNG, position)
            assert first == _xml(client, path, syntax, Profile.XRECHNUNG, position)


def test_the_invoice_states_its_payment_reference_discount_and_parties(client: TestClient) -> None:
    invoices, credit_notes, position = _scenario(client)
    ubl = _xml(
        client, f"/v1/invoices/{invoices[0]}/einvoice", Syntax.UBL, Profile.XRECHNUNG, position
    )
    number = _get(client, f"/v1/invoices/{invoices[0]}").json()["number"]
    assert b"<cbc:PaymentMeansCode>58</cbc:PaymentMeansCode>" in ubl
    assert b"DE89370400440532013000" in ubl
    # The payment reference the PDF prints and bank matching reads back.
    assert f"<cbc:PaymentID>{creditor_reference(number)}</cbc:PaymentID>".encode() in ubl
    assert b"#SKONTO#TAGE=10#PROZENT=2.00#" in ubl
    assert b"PO-4711" in ubl and b"Seller GmbH" in ubl
    note = _xml(
        client,
        f"/v1/credit-notes/{credit_notes[0]}/einvoice",
        Syntax.UBL,
        Profile.EN16931,
        position,
    )
    assert b"<CreditNote" in note and f"<cbc:ID>{number}</cbc:ID>".encode() in note


@pytest.mark.parametrize("syntax", list(Syntax))
def test_what_a_profile_needs_and_the_invoice_lacks_is_a_409(
    client: TestClient, syntax: Syntax
) -> None:
    # Issued before the company profile: it names no seller.
    early = _customer(client, address=BERLIN)
    before_seller = _invoice(client, early, [_line("A", 1, "10.00", tax_category="S")])[1]
    _seller(client)
    untaxed = _invoice(client, _customer(client), [_line("A", 2, "10.00")])[1]
    no_peppol = _invoice(client, _customer(client, address=BERLIN), [_line("A", 1, "10.00")])[1]
    no_reference = _invoice(
        client,
        _customer(client, address=BERLIN, peppol_id="0204:991-5-6"),
        [_line("A", 1, "10.00")],
    )[1]
    cases = [
        (before_seller, Profile.EN16931, "no-tax-data"),
        (untaxed, Profile.EN16931, "no-tax-data"),
        (untaxed, Profile.XRECHNUNG, "no-tax-data"),
        (no_peppol, Profile.PEPPOL, "peppol-id-required"),
        (no_reference, Profile.XRECHNUNG, "buyer-reference-required"),
    ]
    for invoice, profile, code in cases:
        got = _get(
            client,
            f"/v1/invoices/{invoice['invoice_id']}/einvoice",
            syntax=syntax.value,
            profile=profile.value,
        )
        assert got.status_code == 409, got.text
        assert got.headers["content-type"] == "application/problem+json"
        assert got.json()["code"] == code
    assert _get(client, f"/v1/invoices/{no_peppol['invoice_id']}/einvoice").status_code == 200


def test_unknown_ids_are_404_and_unknown_syntax_or_profile_422(client: TestClient) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    assert _get(client, f"/v1/invoices/{unknown}/einvoice").json()["code"] == "invoice-not-found"
    assert (
        _get(client, f"/v1/credit-notes/{unknown}/einvoice").json()["code"]
        == "credit-note-not-found"
    )
    _seller(client)
    invoice = _invoice(client, _customer(client, address=BERLIN), [_line("A", 1, "10.00")])[1]
    path = f"/v1/invoices/{invoice['invoice_id']}/einvoice"
    assert _get(client, path, syntax="pdf").status_code == 422
    assert _get(client, path, profile="zugferd").status_code == 422
    assert _get(client, path, syntax="cii", profile="en16931").status_code == 200
