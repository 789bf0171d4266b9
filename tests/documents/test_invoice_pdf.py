"""The invoice PDF is Factur-X: PDF/A-3b, the CII e-invoice embedded and valid, a payable QR.

Every check reads the PDF back with real tools: pikepdf (PDF/A identification, attachments),
the CEN EN 16931 rules (Saxon), pdftoppm + zxing-cpp (the QR code), pdftotext (the words).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from o2c.documents import Language, invoice_number_from_rf, render_invoice_pdf
from o2c.domain.tax import LineTax, TaxCategory
from o2c.einvoice import Address, DocumentKind, Party, Syntax, render
from tests.documents.pdf_tools import attachments, pdfa_identification, qr_codes, text_of
from tests.documents.samples import LOGO_SVG, invoice, issued
from tests.einvoice.documents import build, without_tax
from tests.support.einvoice_validator import CEN_CII, EInvoiceValidator


@pytest.mark.parametrize("kind", list(DocumentKind))
def test_the_pdf_is_factur_x_with_the_valid_cii_embedded(
    validator: EInvoiceValidator, kind: DocumentKind
) -> None:
    document = invoice(kind=kind)
    rendered = render_invoice_pdf(document, Language.DE, LOGO_SVG)
    assert rendered.factur_x
    assert pdfa_identification(rendered.pdf) == ("3", "B")
    embedded = attachments(rendered.pdf)
    assert list(embedded) == ["factur-x.xml"]
    assert embedded["factur-x.xml"] == render(document, Syntax.CII)
    [report] = validator.validate([embedded["factur-x.xml"]], CEN_CII)
    assert report.valid, report


def test_the_digest_is_the_sha256_of_the_bytes() -> None:
    import hashlib

    rendered = render_invoice_pdf(invoice(), Language.EN)
    assert rendered.sha256 == hashlib.sha256(rendered.pdf).hexdigest()


def test_an_invoice_without_tax_data_is_a_plain_pdf_a() -> None:
    rendered = render_invoice_pdf(issued(without_tax(invoice())), Language.EN)
    assert not rendered.factur_x
    assert attachments(rendered.pdf) == {}
    assert pdfa_identification(rendered.pdf)[0] == "3"


def test_the_qr_code_decodes_to_the_epc_payload_with_the_rf_reference() -> None:
    document = invoice()
    [payload] = qr_codes(render_invoice_pdf(document, Language.DE, LOGO_SVG).pdf)
    lines = payload.split("\n")
    assert lines == [
        "BCD",
        "002",
        "1",
        "SCT",
        "COBADEFFXXX",
        "Nordwind Handels GmbH",
        "DE89370400440532013000",
        f"EUR{document.totals.payable}",
        "",
        "RF29INV000042",
    ]
    assert invoice_number_from_rf(lines[-1]) == "INV000042"  # the bank matcher's way back


def test_no_qr_code_for_other_currencies_or_a_credit_note() -> None:
    assert qr_codes(render_invoice_pdf(invoice(currency="USD"), Language.EN).pdf) == []
    credit_note = invoice(kind=DocumentKind.CREDIT_NOTE)
    assert qr_codes(render_invoice_pdf(credit_note, Language.EN).pdf) == []


def _thousands() -> object:
    zero = LineTax(TaxCategory.ZERO_RATED, Decimal("0.00"))
    return issued(build([(Decimal("1"), Decimal("1234.56"), zero)]))


@pytest.mark.parametrize(
    ("language", "shown"),
    [
        (
            Language.DE,
            ["Rechnung", "2. März 2026", "1. April 2026", "1.234,56\xa0€", "Gesamtbetrag"],
        ),
        (Language.FR, ["Facture", "2 mars 2026", "1 avril 2026", "1\u202f234,56\xa0€"]),
        (Language.EN, ["Invoice", "2 March 2026", "1 April 2026", "€1,234.56"]),
    ],
)
def test_the_text_is_in_the_customers_language(language: Language, shown: list[str]) -> None:
    document = _thousands()
    text = _spaced(text_of(render_invoice_pdf(document, language).pdf))  # type: ignore[arg-type]
    for expected in shown:
        assert _spaced(expected) in text, (expected, text)


def _spaced(text: str) -> str:
    # babel writes no-break spaces; what pdftotext gives back depends on the glyphs, not on us.
    return text.replace("\xa0", " ").replace("\u202f", " ")


MALICIOUS = '#import "/etc/passwd": * ] $x^2$ #panic("boom") <label> @ref *not bold* \\ `raw`'


def test_markup_in_a_party_name_renders_literally() -> None:
    buyer = Party(MALICIOUS, Address("DE", (MALICIOUS,), "#set page(width: 1cm)", "80331"))
    document = invoice(buyer=buyer)
    document = replace(document, lines=(replace(document.lines[0], name=MALICIOUS),))
    rendered = render_invoice_pdf(document, Language.EN)
    text = " ".join(text_of(rendered.pdf).split())  # lines wrap where the column ends
    assert text.count(MALICIOUS) >= 3, text  # recipient, return address line, invoice line
    assert "#set page(width: 1cm)" in text
