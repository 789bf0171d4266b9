"""UBL 2.1 ``Invoice`` and ``CreditNote`` from an e-invoice document (EN 16931 UBL binding).

Elements are written in the order the UBL 2.1 schemas prescribe; optional business terms the
document lacks are left out, never written empty.
"""

from __future__ import annotations

from decimal import Decimal

from o2c.domain.tax import TaxCategory, TaxGroup
from o2c.einvoice.document import (
    Address,
    DocumentKind,
    DocumentLine,
    EInvoiceDocument,
    Party,
)
from o2c.einvoice.formatting import amount, iso_date, payment_terms_text, percent, price, quantity
from o2c.einvoice.profiles import Profile, check
from o2c.einvoice.xmlwriter import Element, serialise

CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
ROOT_NAMESPACE = {
    DocumentKind.INVOICE: "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
    DocumentKind.CREDIT_NOTE: "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
}


def render_ubl(document: EInvoiceDocument, profile: Profile = Profile.EN16931) -> bytes:
    """The UBL 2.1 XML of ``document`` in ``profile``; ``RuleViolation`` if it cannot be one."""
    check(document, profile)
    invoice = document.kind is DocumentKind.INVOICE
    root = Element("Invoice" if invoice else "CreditNote")
    ids = profile.ids
    root.add("cbc:CustomizationID", ids.customization_id)
    root.add_if("cbc:ProfileID", ids.process_id)
    root.add("cbc:ID", document.number)
    root.add("cbc:IssueDate", iso_date(document.issue_date))
    if invoice and document.due_date is not None:
        root.add("cbc:DueDate", iso_date(document.due_date))
    root.add(
        "cbc:InvoiceTypeCode" if invoice else "cbc:CreditNoteTypeCode", document.kind.type_code
    )
    for note in document.notes:
        root.add_if("cbc:Note", note)
    root.add("cbc:DocumentCurrencyCode", document.currency)
    root.add_if("cbc:BuyerReference", document.buyer_reference)
    if document.purchase_order:
        root.add("cac:OrderReference").add("cbc:ID", document.purchase_order)
    if document.corrects is not None:
        reference = root.add("cac:BillingReference").add("cac:InvoiceDocumentReference")
        reference.add("cbc:ID", document.corrects.number)
        reference.add("cbc:IssueDate", iso_date(document.corrects.issue_date))
    outside_scope = document.categories == {TaxCategory.OUTSIDE_SCOPE}
    supplier = root.add("cac:AccountingSupplierParty")
    supplier.children.append(_party(document.seller, outside_scope))
    customer = root.add("cac:AccountingCustomerParty")
    customer.children.append(_party(document.buyer, outside_scope))
    _delivery(root, document)
    _payment(root, document, profile)
    _tax_total(root, document)
    _monetary_total(root, document)
    for line in document.lines:
        root.children.append(_line(line, document.currency, invoice))
    return serialise(root, {"": ROOT_NAMESPACE[document.kind], "cac": CAC, "cbc": CBC})


def _party(party: Party, outside_scope: bool) -> Element:
    element = Element("cac:Party")
    if party.electronic_address is not None:
        element.add(
            "cbc:EndpointID",
            party.electronic_address.identifier,
            schemeID=party.electronic_address.scheme,
        )
    element.children.append(_address("cac:PostalAddress", party.address))
    # EN 16931 BR-O-02: a document outside the scope of VAT names no VAT IDs.
    if party.vat_id and not outside_scope:
        _tax_scheme(element, party.vat_id, "VAT")
    if party.tax_registration_id:
        _tax_scheme(element, party.tax_registration_id, "FC")
    legal = element.add("cac:PartyLegalEntity")
    legal.add("cbc:RegistrationName", party.name)
    legal.add_if("cbc:CompanyID", party.legal_registration_id)
    contact = party.contact
    if contact is not None and (contact.name or contact.phone or contact.email):
        block = element.add("cac:Contact")
        block.add_if("cbc:Name", contact.name)
        block.add_if("cbc:Telephone", contact.phone)
        block.add_if("cbc:ElectronicMail", contact.email)
    return element


def _address(tag: str, address: Address) -> Element:
    element = Element(tag)
    lines = address.lines
    if lines:
        element.add("cbc:StreetName", lines[0])
    if len(lines) > 1:
        element.add("cbc:AdditionalStreetName", lines[1])
    element.add_if("cbc:CityName", address.city)
    element.add_if("cbc:PostalZone", address.postal_code)
    if len(lines) > 2:
        element.add("cac:AddressLine").add("cbc:Line", ", ".join(lines[2:]))
    element.add("cac:Country").add("cbc:IdentificationCode", address.country)
    return element


def _tax_scheme(party: Element, company_id: str, scheme: str) -> None:
    tax_scheme = party.add("cac:PartyTaxScheme")
    tax_scheme.add("cbc:CompanyID", company_id)
    tax_scheme.add("cac:TaxScheme").add("cbc:ID", scheme)


def _delivery(root: Element, document: EInvoiceDocument) -> None:
    intra_eu = TaxCategory.INTRA_EU in document.categories
    if document.delivery_date is None and not intra_eu:
        return
    delivery = root.add("cac:Delivery")
    if document.delivery_date is not None:
        delivery.add("cbc:ActualDeliveryDate", iso_date(document.delivery_date))
    if intra_eu:
        # EN 16931 BR-IC-12: an intra-EU supply names where the goods went: the buyer's address
        # (complete, as XRechnung's BR-DE-10/11 want a deliver-to address).
        location = delivery.add("cac:DeliveryLocation")
        location.children.append(_address("cac:Address", document.buyer.address))


def _payment(root: Element, document: EInvoiceDocument, profile: Profile) -> None:
    payment = document.payment
    if payment is not None:
        means = root.add("cac:PaymentMeans")
        means.add("cbc:PaymentMeansCode", payment.means_code)
        if document.kind is DocumentKind.CREDIT_NOTE and document.due_date is not None:
            means.add("cbc:PaymentDueDate", iso_date(document.due_date))
        means.add_if("cbc:PaymentID", payment.reference)
        account = means.add("cac:PayeeFinancialAccount")
        account.add("cbc:ID", payment.iban)
        account.add_if("cbc:Name", payment.account_name)
        if payment.bic:
            account.add("cac:FinancialInstitutionBranch").add("cbc:ID", payment.bic)
    terms = payment_terms_text(document, profile)
    if terms:
        root.add("cac:PaymentTerms").add("cbc:Note", terms)


def _tax_total(root: Element, document: EInvoiceDocument) -> None:
    currency = document.currency
    tax_total = root.add("cac:TaxTotal")
    tax_total.add(
        "cbc:TaxAmount",
        amount(document.totals.tax_total or Decimal(0), currency),
        currencyID=currency,
    )
    for group in document.breakdown:
        subtotal = tax_total.add("cac:TaxSubtotal")
        subtotal.add("cbc:TaxableAmount", amount(group.taxable, currency), currencyID=currency)
        subtotal.add("cbc:TaxAmount", amount(group.tax, currency), currencyID=currency)
        subtotal.children.append(_tax_category("cac:TaxCategory", group))


def _tax_category(tag: str, group: TaxGroup) -> Element:
    category = Element(tag)
    category.add("cbc:ID", group.category.value)
    category.add("cbc:Percent", percent(group.rate))
    category.add_if("cbc:TaxExemptionReasonCode", group.exemption_reason_code)
    category.add_if("cbc:TaxExemptionReason", group.exemption_reason)
    category.add("cac:TaxScheme").add("cbc:ID", "VAT")
    return category


def _monetary_total(root: Element, document: EInvoiceDocument) -> None:
    currency = document.currency
    totals = document.totals
    monetary = root.add("cac:LegalMonetaryTotal")
    monetary.add("cbc:LineExtensionAmount", amount(totals.net_total, currency), currencyID=currency)
    monetary.add("cbc:TaxExclusiveAmount", amount(totals.net_total, currency), currencyID=currency)
    monetary.add("cbc:TaxInclusiveAmount", amount(totals.total, currency), currencyID=currency)
    if totals.prepaid:
        monetary.add("cbc:PrepaidAmount", amount(totals.prepaid, currency), currencyID=currency)
    monetary.add("cbc:PayableAmount", amount(totals.payable, currency), currencyID=currency)


def _line(line: DocumentLine, currency: str, invoice: bool) -> Element:
    element = Element("cac:InvoiceLine" if invoice else "cac:CreditNoteLine")
    element.add("cbc:ID", line.line_id)
    element.add(
        "cbc:InvoicedQuantity" if invoice else "cbc:CreditedQuantity",
        quantity(line.quantity),
        unitCode=line.unit_code,
    )
    element.add("cbc:LineExtensionAmount", amount(line.net_amount, currency), currencyID=currency)
    item = element.add("cac:Item")
    item.add("cbc:Name", line.name)
    if line.seller_item_id:
        item.add("cac:SellersItemIdentification").add("cbc:ID", line.seller_item_id)
    tax = line.taxed()
    classified = item.add("cac:ClassifiedTaxCategory")
    classified.add("cbc:ID", tax.category.value)
    # EN 16931 BR-O-05: a line outside the scope of VAT states no rate.
    if tax.category is not TaxCategory.OUTSIDE_SCOPE:
        classified.add("cbc:Percent", percent(tax.rate))
    classified.add("cac:TaxScheme").add("cbc:ID", "VAT")
    element.add("cac:Price").add(
        "cbc:PriceAmount", price(line.unit_price, currency), currencyID=currency
    )
    return element
