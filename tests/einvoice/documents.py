"""E-invoice documents for the tests: one complete example and a hypothesis strategy.

Documents are built the way invoices are: line nets rounded to the currency's minor unit, the
VAT breakdown and totals from ``o2c.domain.tax`` (tax rounded once per group), so whatever the
strategy draws is a document the application could issue.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import strategies as st

from o2c.domain.money import quantum
from o2c.domain.tax import DEFAULT_EXEMPTION, LineTax, TaxCategory, breakdown, totals
from o2c.einvoice import (
    Address,
    Contact,
    DocumentKind,
    DocumentLine,
    DocumentTotals,
    EarlyPaymentDiscount,
    EInvoiceDocument,
    ElectronicAddress,
    InvoiceReference,
    Party,
    PaymentInstructions,
    PaymentTerms,
)

SELLER = Party(
    name="Nordwind Handels GmbH",
    address=Address("DE", ("Hafenstraße 12", "2. OG", "Tor 3"), "Hamburg", "20457"),
    vat_id="DE136695976",
    tax_registration_id="22/815/08150",
    legal_registration_id="HRB 123456",
    electronic_address=ElectronicAddress("9930", "DE136695976"),
    contact=Contact("Erika Muster", "+49 40 1234567", "billing@nordwind.example"),
)
DOMESTIC_BUYER = Party(
    name="Bergbau Süd AG",
    address=Address("DE", ("Am Schacht 1",), "München", "80331"),
    vat_id="DE136695976",
    electronic_address=ElectronicAddress("0204", "991-12345-67"),
    contact=Contact("Max Käufer", None, "ap@bergbau.example"),
)
EU_BUYER = Party(
    name="Société Lumière SA",
    address=Address("FR", ("12 rue de la Paix",), "Paris", "75002"),
    vat_id="FR40303265045",
    electronic_address=ElectronicAddress("9957", "FR40303265045"),
)
EXPORT_BUYER = Party(
    name="Pacific Trading Inc.",
    address=Address("US", ("500 Market St",), "San Francisco", "94105"),
    electronic_address=ElectronicAddress("0088", "4035811991021"),
)
PAYMENT = PaymentInstructions(
    "DE89370400440532013000", "COBADEFFXXX", "Nordwind Handels GmbH", "RF18539007547034"
)
ISSUE = date(2026, 3, 2)


def build(
    items: list[tuple[Decimal, Decimal, LineTax]],
    *,
    currency: str = "EUR",
    kind: DocumentKind = DocumentKind.INVOICE,
    buyer: Party = DOMESTIC_BUYER,
    discount_percent: Decimal | None = None,
    **fields: object,
) -> EInvoiceDocument:
    """A document of (quantity, unit price, tax) lines, computed as the domain computes them."""
    unit = quantum(currency)
    lines = tuple(
        DocumentLine(
            line_id=str(index),
            name=f"Article {index}",
            quantity=quantity,
            unit_price=price,
            net_amount=(quantity * price).quantize(unit, ROUND_HALF_UP),
            tax=tax,
            seller_item_id=f"SKU-{index:03d}",
        )
        for index, (quantity, price, tax) in enumerate(items, start=1)
    )
    groups = breakdown(((line.tax, line.net_amount) for line in lines if line.tax), currency)
    net, tax = totals(groups)
    document_totals = DocumentTotals(net, tax, net + tax)
    terms = PaymentTerms("Payable within 30 days net.")
    if discount_percent is not None:
        terms = PaymentTerms(
            "Payable within 30 days net.",
            EarlyPaymentDiscount(
                discount_percent,
                10,
                (document_totals.total * discount_percent / 100).quantize(unit, ROUND_HALF_UP),
                ISSUE + timedelta(days=10),
            ),
        )
    defaults: dict[str, object] = {
        "due_date": ISSUE + timedelta(days=30) if kind is DocumentKind.INVOICE else None,
        "delivery_date": ISSUE - timedelta(days=1),
        "buyer_reference": "991-12345-67",
        "purchase_order": "PO-4711",
        "payment": PAYMENT,
        "payment_terms": terms,
        "corrects": (
            InvoiceReference("INV-000041", ISSUE - timedelta(days=20))
            if kind is DocumentKind.CREDIT_NOTE
            else None
        ),
    }
    defaults.update(fields)
    return EInvoiceDocument(
        kind=kind,
        number="INV-000042" if kind is DocumentKind.INVOICE else "CN-000007",
        issue_date=ISSUE,
        currency=currency,
        seller=SELLER,
        buyer=buyer,
        lines=lines,
        breakdown=groups,
        totals=document_totals,
        **defaults,  # type: ignore[arg-type]
    )


def standard(rate: str = "19.00") -> LineTax:
    """A standard-rated line tax."""
    return LineTax(TaxCategory.STANDARD, Decimal(rate))


def exempt(category: TaxCategory) -> LineTax:
    """A line tax of a category that owes none, with its default exemption reason."""
    code, text = DEFAULT_EXEMPTION[category]
    return LineTax(category, Decimal("0.00"), code, text)


def sample_document(**fields: object) -> EInvoiceDocument:
    """A complete multi-rate domestic invoice with a discount (fields override)."""
    return build(
        [
            (Decimal("3"), Decimal("19.99"), standard()),
            (Decimal("2.5"), Decimal("4.10"), standard("7.00")),
            (Decimal("1"), Decimal("100"), LineTax(TaxCategory.ZERO_RATED, Decimal("0.00"))),
        ],
        discount_percent=Decimal("2"),
        **fields,
    )


def without_tax(document: EInvoiceDocument) -> EInvoiceDocument:
    """The same document as an invoice recorded before taxes would give it."""
    return replace(
        document,
        lines=tuple(replace(line, tax=None) for line in document.lines),
        breakdown=(),
        totals=replace(document.totals, tax_total=None),
    )


# Scenarios: which categories a document's lines may draw from, and for whom.
_DOMESTIC = (TaxCategory.STANDARD, TaxCategory.ZERO_RATED, TaxCategory.EXEMPT)
_SCENARIOS: dict[str, tuple[Party, tuple[TaxCategory, ...]]] = {
    "domestic": (DOMESTIC_BUYER, _DOMESTIC),
    "intra_eu": (EU_BUYER, (TaxCategory.INTRA_EU, TaxCategory.REVERSE_CHARGE, *_DOMESTIC)),
    "export": (EXPORT_BUYER, (TaxCategory.EXPORT, TaxCategory.EXEMPT)),
    "outside_scope": (EXPORT_BUYER, (TaxCategory.OUTSIDE_SCOPE,)),
}


@st.composite
def _line_tax(draw: st.DrawFn, categories: tuple[TaxCategory, ...]) -> LineTax:
    category = draw(st.sampled_from(categories))
    if category is TaxCategory.STANDARD:
        return standard(draw(st.sampled_from(["19.00", "7.00"])))
    if category is TaxCategory.ZERO_RATED:
        return LineTax(category, Decimal("0.00"))
    code, text = DEFAULT_EXEMPTION[category]
    reason = draw(st.sampled_from([(code, text), (code, None), (None, f"{text} & <more>")]))
    return LineTax(category, Decimal("0.00"), *reason)


@st.composite
def documents(draw: st.DrawFn) -> EInvoiceDocument:
    """Invoices and credit notes: multi-rate S/Z/E/AE/K/G/O, EUR and JPY, discounts."""
    currency = draw(st.sampled_from(["EUR", "JPY", "USD"]))
    exponent = -quantum(currency).as_tuple().exponent  # type: ignore[operator]
    scenario = draw(st.sampled_from(sorted(_SCENARIOS)))
    buyer, categories = _SCENARIOS[scenario]
    items = draw(
        st.lists(
            st.tuples(
                # As orders take them: whole quantities, unit prices in the currency's minor unit.
                st.integers(min_value=1, max_value=1000).map(Decimal),
                st.decimals(min_value=Decimal(0), max_value=Decimal(20000), places=exponent),
                _line_tax(categories),
            ),
            min_size=1,
            max_size=8,
        )
    )
    kind = draw(st.sampled_from(DocumentKind))
    discount = draw(st.none() | st.sampled_from([Decimal("2"), Decimal("3.5")]))
    fields: dict[str, object] = {
        "buyer_reference": draw(st.none() | st.just("04011000-12345-03")),
        "purchase_order": draw(st.none() | st.just("PO-4711")),
        "delivery_date": draw(st.none() | st.just(ISSUE - timedelta(days=3))),
    }
    if TaxCategory.INTRA_EU in {tax.category for _, _, tax in items}:
        fields["delivery_date"] = ISSUE - timedelta(days=3)
    if draw(st.booleans()):
        fields["payment_terms"] = PaymentTerms(None) if discount is None else None
    document = build(
        items, currency=currency, kind=kind, buyer=buyer, discount_percent=discount, **fields
    )
    terms = document.payment_terms
    if document.due_date is None and (terms is None or not (terms.note or terms.discount)):
        # EN 16931 BR-CO-25: an amount due needs a due date or payment terms.
        document = replace(document, payment_terms=PaymentTerms("Credited to your account."))
    return document
