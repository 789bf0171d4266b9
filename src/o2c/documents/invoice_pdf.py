"""The invoice and credit note PDF: Factur-X (PDF/A-3b carrying the CII e-invoice).

The page shows what the ``EInvoiceDocument`` states, in the customer's language; the CII XML of
the same document (EN 16931 profile) is embedded as ``factur-x.xml``. A document without tax
data, or one EN 16931 refuses (say, a seller without VAT ID), still gets its PDF/A-3b page,
without the XML: ``RenderedPdf.factur_x`` says which.
"""

from __future__ import annotations

import facturx

from o2c.documents.language import Language, Texts
from o2c.documents.letter import Data, PaymentRequest, RenderedPdf, letter_data, payment_data
from o2c.documents.model import Logo
from o2c.documents.typst_engine import compile_pdf
from o2c.domain.creditor_reference import creditor_reference
from o2c.domain.errors import RuleViolation
from o2c.einvoice import DocumentKind, EInvoiceDocument, Profile, Syntax, render


def render_invoice_pdf(
    document: EInvoiceDocument, language: Language, logo: Logo | None = None
) -> RenderedPdf:
    """The PDF of an invoice or credit note, with its SHA-256."""
    page = compile_pdf(
        "invoice", invoice_data(document, language, logo), created=document.issue_date, pdf_a=True
    )
    xml = _cii(document)
    if xml is None:
        return RenderedPdf.of(page)
    pdf = facturx.generate_from_binary(
        page,
        xml,
        flavor="factur-x",
        level="en16931",
        check_xsd=False,  # the renderer's output is schema-checked by its own tests
        pdf_metadata={
            "author": document.seller.name,
            "keywords": "Factur-X",
            "title": f"{document.seller.name}: {document.number}",
            "subject": f"{document.number} {document.issue_date.isoformat()}",
        },
        lang=language.value,
    )
    return RenderedPdf.of(pdf, factur_x=True)


def _cii(document: EInvoiceDocument) -> bytes | None:
    if not document.has_tax_data:
        return None
    try:
        return render(document, Syntax.CII, Profile.EN16931)
    except RuleViolation:
        return None


def invoice_data(document: EInvoiceDocument, language: Language, logo: Logo | None) -> Data:
    """What ``invoice.typ`` lays out, every text formatted in ``language``."""
    texts = Texts(language)
    credit = document.kind is DocumentKind.CREDIT_NOTE
    title = texts("credit_note" if credit else "invoice")
    data = letter_data(
        title=title,
        seller=document.seller,
        customer=document.buyer,
        texts=texts,
        facts=_facts(document, texts),
        logo=logo,
        payment=document.payment,
    )
    data["title"] = f"{title} {document.number}"
    data["intro"] = (
        [
            texts(
                "corrects",
                number=document.corrects.number,
                date=texts.date(document.corrects.issue_date),
            )
        ]
        if document.corrects
        else []
    )
    data["lines"] = _lines(document, texts)
    if document.has_tax_data:
        data["breakdown"] = _breakdown(document, texts)
    data["totals"] = _totals(document, texts)
    data["notes"] = _notes(document, texts)
    reference = creditor_reference(document.number)
    payable = document.totals.payable
    if not credit and document.payment is not None and payable > 0:
        request = PaymentRequest(
            document.payment, payable, document.currency, document.due_date, reference
        )
        data["payment"] = payment_data(request, document.seller, texts)
    return data


def _facts(document: EInvoiceDocument, texts: Texts) -> list[tuple[str, str]]:
    facts = [
        (texts("number"), document.number),
        (texts("issue_date"), texts.date(document.issue_date)),
    ]
    if document.due_date and document.kind is DocumentKind.INVOICE:
        facts.append((texts("due_date"), texts.date(document.due_date)))
    if document.delivery_date:
        facts.append((texts("delivery_date"), texts.date(document.delivery_date)))
    if document.buyer_reference:
        facts.append((texts("buyer_reference"), document.buyer_reference))
    if document.purchase_order:
        facts.append((texts("purchase_order"), document.purchase_order))
    if document.buyer.vat_id:
        facts.append((texts("customer_vat_id"), document.buyer.vat_id))
    return facts


def _lines(document: EInvoiceDocument, texts: Texts) -> Data:
    taxed = document.has_tax_data
    header = [texts("position"), texts("description"), texts("quantity"), texts("unit_price")]
    header += [texts("vat_rate")] if taxed else []
    header.append(texts("net_amount"))
    rows = []
    for line in document.lines:
        row = [
            line.line_id,
            line.name,
            texts.number(line.quantity),
            texts.money(line.unit_price, document.currency, exact=True),
        ]
        if taxed:
            row.append(texts.percent(line.taxed().rate))
        row.append(texts.money(line.net_amount, document.currency))
        rows.append(row)
    columns = ["a", "fr", "a", "a", *(["a"] if taxed else []), "a"]
    aligns = ["l", "l", "r", "r", *(["r"] if taxed else []), "r"]
    return {"columns": columns, "aligns": aligns, "header": header, "rows": rows}


def _breakdown(document: EInvoiceDocument, texts: Texts) -> Data:
    rows = []
    for group in document.breakdown:
        label = texts(f"category_{group.category.value}")
        if group.exemption_reason:
            label = f"{label}: {group.exemption_reason}"
        rows.append(
            [
                label,
                texts.percent(group.rate),
                texts.money(group.taxable, document.currency),
                texts.money(group.tax, document.currency),
            ]
        )
    header = [texts("category"), texts("vat_rate"), texts("taxable"), texts("tax")]
    return {"heading": texts("vat_breakdown"), "header": header, "rows": rows}


def _totals(document: EInvoiceDocument, texts: Texts) -> list[list[str]]:
    totals = document.totals
    money = document.currency
    pairs = [[texts("net_total"), texts.money(totals.net_total, money)]]
    if totals.tax_total is not None:
        pairs.append([texts("tax_total"), texts.money(totals.tax_total, money)])
    pairs.append([texts("total"), texts.money(totals.total, money)])
    if totals.prepaid:
        pairs.append([texts("prepaid"), texts.money(totals.prepaid, money)])
        pairs.append([texts("payable"), texts.money(totals.payable, money)])
    return pairs


def _notes(document: EInvoiceDocument, texts: Texts) -> list[str]:
    notes: list[str] = []
    terms = document.payment_terms
    if document.kind is DocumentKind.CREDIT_NOTE:
        notes.append(
            texts(
                "credit_settlement", amount=texts.money(document.totals.payable, document.currency)
            )
        )
    elif terms is not None:
        # The e-invoice's terms note (BT-20) is English; the page says it in the reader's words.
        if document.due_date is not None:
            notes.append(texts("terms_net", date=texts.date(document.due_date)))
        if terms.discount:
            discount = terms.discount
            notes.append(
                texts(
                    "discount",
                    percent=texts.number(discount.percent),
                    amount=texts.money(discount.amount, document.currency),
                    date=texts.date(discount.until),
                )
            )
    notes.extend(document.notes)
    return notes
