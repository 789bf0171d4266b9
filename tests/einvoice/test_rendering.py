"""Rendering is deterministic and refuses, with a clear code, what a profile cannot carry."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings

from o2c.domain.errors import RuleViolation
from o2c.domain.tax import LineTax, TaxCategory
from o2c.einvoice import (
    DocumentKind,
    EarlyPaymentDiscount,
    EInvoiceDocument,
    Profile,
    Syntax,
    render,
)
from tests.einvoice.documents import (
    EU_BUYER,
    build,
    documents,
    exempt,
    sample_document,
    standard,
    without_tax,
)

UBL = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
CII = {
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
}


@settings(max_examples=50, deadline=None)
@given(document=documents())
def test_the_same_document_renders_to_the_same_bytes(document: EInvoiceDocument) -> None:
    for syntax in Syntax:
        first = render(document, syntax)
        again = render(replace(document), syntax)
        assert first == again
        assert hashlib.sha256(first).digest() == hashlib.sha256(again).digest()


def test_text_is_escaped_and_control_characters_dropped() -> None:
    document = sample_document(buyer_reference='A&B <"x">\x07\x00')
    root = ElementTree.fromstring(render(document))
    assert root.findtext("cbc:BuyerReference", namespaces=UBL) == 'A&B <"x">'


def test_output_is_utf8_with_a_declaration_and_no_timestamp() -> None:
    body = render(sample_document())
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n')
    assert "Hafenstraße".encode() in body
    assert ElementTree.fromstring(body) is not None


@pytest.mark.parametrize("syntax", list(Syntax))
@pytest.mark.parametrize("profile", list(Profile))
def test_a_document_recorded_before_taxes_is_refused(syntax: Syntax, profile: Profile) -> None:
    with pytest.raises(RuleViolation) as refused:
        render(without_tax(sample_document()), syntax, profile)
    assert refused.value.code == "no-tax-data"


@pytest.mark.parametrize("profile", [Profile.PEPPOL, Profile.XRECHNUNG])
@pytest.mark.parametrize("party", ["seller", "buyer"])
def test_peppol_and_xrechnung_need_both_electronic_addresses(profile: Profile, party: str) -> None:
    document = sample_document()
    without = replace(getattr(document, party), electronic_address=None)
    with pytest.raises(RuleViolation) as refused:
        render(replace(document, **{party: without}), Syntax.UBL, profile)
    assert refused.value.code == "peppol-id-required"
    assert party in refused.value.detail
    # Plain EN 16931 leaves the electronic address optional.
    render(replace(document, **{party: without}), Syntax.UBL, Profile.EN16931)


def test_xrechnung_needs_the_buyer_reference() -> None:
    document = sample_document(buyer_reference=None)
    with pytest.raises(RuleViolation) as refused:
        render(document, Syntax.CII, Profile.XRECHNUNG)
    assert refused.value.code == "buyer-reference-required"
    # Peppol BIS applies the same rule between German parties (DE-R-015)…
    with pytest.raises(RuleViolation) as refused:
        render(document, Syntax.CII, Profile.PEPPOL)
    assert refused.value.code == "buyer-reference-required"
    # …and otherwise takes the purchase order number instead.
    render(replace(document, buyer=EU_BUYER), Syntax.CII, Profile.PEPPOL)


def test_peppol_needs_a_buyer_reference_or_an_order_number() -> None:
    with pytest.raises(RuleViolation) as refused:
        render(
            replace(sample_document(buyer_reference=None, purchase_order=None), buyer=EU_BUYER),
            Syntax.UBL,
            Profile.PEPPOL,
        )
    assert refused.value.code == "buyer-reference-required"


def test_outside_scope_lines_cannot_mix_with_taxed_ones() -> None:
    document = build(
        [
            (Decimal(1), Decimal(10), standard()),
            (Decimal(1), Decimal(5), exempt(TaxCategory.OUTSIDE_SCOPE)),
        ]
    )
    with pytest.raises(RuleViolation) as refused:
        render(document)
    assert refused.value.code == "einvoice-unsupported"


def test_an_intra_eu_supply_needs_its_delivery_date() -> None:
    document = build(
        [(Decimal(1), Decimal(10), exempt(TaxCategory.INTRA_EU))],
        buyer=EU_BUYER,
        delivery_date=None,
    )
    with pytest.raises(RuleViolation) as refused:
        render(document)
    assert refused.value.code == "einvoice-incomplete"
    assert "BT-72" in refused.value.detail


def test_amounts_are_written_at_the_currency_exponent() -> None:
    yen = build([(Decimal(3), Decimal(1999), standard("10.00"))], currency="JPY")
    root = ElementTree.fromstring(render(yen))
    assert root.findtext("cac:LegalMonetaryTotal/cbc:PayableAmount", namespaces=UBL) == "6597"
    assert (
        root.findtext("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent", namespaces=UBL)
        == "10.00"
    )
    euro = ElementTree.fromstring(render(sample_document(), Syntax.CII))
    summation = euro.find(".//ram:SpecifiedTradeSettlementHeaderMonetarySummation", CII)
    assert summation is not None
    assert summation.findtext("ram:LineTotalAmount", namespaces=CII) == "170.22"


def test_xrechnung_states_the_discount_in_its_skonto_form() -> None:
    document = sample_document()
    assert document.payment_terms is not None
    assert isinstance(document.payment_terms.discount, EarlyPaymentDiscount)
    xrechnung = ElementTree.fromstring(render(document, Syntax.UBL, Profile.XRECHNUNG))
    note = xrechnung.findtext("cac:PaymentTerms/cbc:Note", namespaces=UBL)
    assert note == "Payable within 30 days net.\n#SKONTO#TAGE=10#PROZENT=2.00#\n"
    plain = ElementTree.fromstring(render(document, Syntax.UBL, Profile.EN16931))
    text = plain.findtext("cac:PaymentTerms/cbc:Note", namespaces=UBL) or ""
    assert "2.00 % early-payment discount" in text
    assert "#SKONTO#" not in text


def test_a_credit_note_names_the_invoice_it_corrects() -> None:
    document = sample_document(kind=DocumentKind.CREDIT_NOTE)
    ubl = ElementTree.fromstring(render(document, Syntax.UBL))
    assert ubl.tag.endswith("}CreditNote")
    reference = "cac:BillingReference/cac:InvoiceDocumentReference/"
    assert ubl.findtext(reference + "cbc:ID", namespaces=UBL) == "INV-000041"
    cii = ElementTree.fromstring(render(document, Syntax.CII))
    assert (
        cii.findtext(".//ram:InvoiceReferencedDocument/ram:IssuerAssignedID", namespaces=CII)
        == "INV-000041"
    )
    assert cii.findtext("rsm:ExchangedDocument/ram:TypeCode", namespaces=CII) == "381"
    with pytest.raises(RuleViolation):
        render(replace(document, corrects=None))


def test_profiles_state_their_specification_identifiers() -> None:
    document = sample_document()
    ids = {
        profile: ElementTree.fromstring(render(document, Syntax.UBL, profile)).findtext(
            "cbc:CustomizationID", namespaces=UBL
        )
        for profile in Profile
    }
    cen = "urn:cen.eu:en16931:2017"
    assert ids == {
        Profile.EN16931: cen,
        Profile.PEPPOL: f"{cen}#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0",
        Profile.XRECHNUNG: f"{cen}#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0",
    }


def test_line_tax_without_rate_for_outside_scope() -> None:
    document = build([(Decimal(2), Decimal(10), exempt(TaxCategory.OUTSIDE_SCOPE))])
    root = ElementTree.fromstring(render(document))
    line_category = root.find("cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory", UBL)
    assert line_category is not None
    assert line_category.find("cbc:Percent", UBL) is None
    # The seller's VAT ID is not stated on a document outside the scope of VAT.
    assert (
        root.find(
            "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme[cbc:CompanyID='DE136695976']",
            UBL,
        )
        is None
    )
    assert LineTax(TaxCategory.OUTSIDE_SCOPE, Decimal(0)).key[0] is TaxCategory.OUTSIDE_SCOPE
