"""UN/CEFACT CII D16B ``CrossIndustryInvoice`` from an e-invoice document (EN 16931 CII binding).

The same XML serves Factur-X/ZUGFeRD (EN 16931 profile) when embedded in a PDF. Elements are
written in the order the D16B schema prescribes; absent business terms are left out.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from o2c.domain.tax import TaxCategory, TaxGroup
from o2c.einvoice.document import Address, DocumentLine, EInvoiceDocument, Party
from o2c.einvoice.formatting import amount, cii_date, payment_terms_text, percent, price, quantity
from o2c.einvoice.profiles import Profile, check
from o2c.einvoice.xmlwriter import Element, serialise

NAMESPACES = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
}


def render_cii(document: EInvoiceDocument, profile: Profile = Profile.EN16931) -> bytes:
    """The CII D16B XML of ``document`` in ``profile``; ``RuleViolation`` if it cannot be one."""
    check(document, profile)
    root = Element("rsm:CrossIndustryInvoice")
    context = root.add("rsm:ExchangedDocumentContext")
    ids = profile.ids
    if ids.process_id:
        context.add("ram:BusinessProcessSpecifiedDocumentContextParameter").add(
            "ram:ID", ids.process_id
        )
    context.add("ram:GuidelineSpecifiedDocumentContextParameter").add(
        "ram:ID", ids.customization_id
    )
    header = root.add("rsm:ExchangedDocument")
    header.add("ram:ID", document.number)
    header.add("ram:TypeCode", document.kind.type_code)
    _date(header.add("ram:IssueDateTime"), document.issue_date)
    for note in document.notes:
        if note:
            header.add("ram:IncludedNote").add("ram:Content", note)
    transaction = root.add("rsm:SupplyChainTradeTransaction")
    for line in document.lines:
        transaction.children.append(_line(line, document.currency))
    transaction.children.append(_agreement(document))
    transaction.children.append(_delivery(document))
    transaction.children.append(_settlement(document, profile))
    return serialise(root, NAMESPACES)


def _date(parent: Element, value: date, tag: str = "udt:DateTimeString") -> None:
    parent.add(tag, cii_date(value), format="102")


def _line(line: DocumentLine, currency: str) -> Element:
    item = Element("ram:IncludedSupplyChainTradeLineItem")
    item.add("ram:AssociatedDocumentLineDocument").add("ram:LineID", line.line_id)
    product = item.add("ram:SpecifiedTradeProduct")
    product.add_if("ram:SellerAssignedID", line.seller_item_id)
    product.add("ram:Name", line.name)
    agreement = item.add("ram:SpecifiedLineTradeAgreement")
    agreement.add("ram:NetPriceProductTradePrice").add(
        "ram:ChargeAmount", price(line.unit_price, currency)
    )
    item.add("ram:SpecifiedLineTradeDelivery").add(
        "ram:BilledQuantity", quantity(line.quantity), unitCode=line.unit_code
    )
    settlement = item.add("ram:SpecifiedLineTradeSettlement")
    tax = line.taxed()
    trade_tax = settlement.add("ram:ApplicableTradeTax")
    trade_tax.add("ram:TypeCode", "VAT")
    trade_tax.add("ram:CategoryCode", tax.category.value)
    # EN 16931 BR-O-05: a line outside the scope of VAT states no rate.
    if tax.category is not TaxCategory.OUTSIDE_SCOPE:
        trade_tax.add("ram:RateApplicablePercent", percent(tax.rate))
    settlement.add("ram:SpecifiedTradeSettlementLineMonetarySummation").add(
        "ram:LineTotalAmount", amount(line.net_amount, currency)
    )
    return item


def _agreement(document: EInvoiceDocument) -> Element:
    agreement = Element("ram:ApplicableHeaderTradeAgreement")
    agreement.add_if("ram:BuyerReference", document.buyer_reference)
    outside_scope = document.categories == {TaxCategory.OUTSIDE_SCOPE}
    agreement.children.append(_party("ram:SellerTradeParty", document.seller, outside_scope))
    agreement.children.append(_party("ram:BuyerTradeParty", document.buyer, outside_scope))
    if document.purchase_order:
        agreement.add("ram:BuyerOrderReferencedDocument").add(
            "ram:IssuerAssignedID", document.purchase_order
        )
    return agreement


def _party(tag: str, party: Party, outside_scope: bool) -> Element:
    element = Element(tag)
    element.add("ram:Name", party.name)
    if party.legal_registration_id:
        element.add("ram:SpecifiedLegalOrganization").add("ram:ID", party.legal_registration_id)
    contact = party.contact
    if contact is not None and (contact.name or contact.phone or contact.email):
        block = element.add("ram:DefinedTradeContact")
        block.add_if("ram:PersonName", contact.name)
        if contact.phone:
            block.add("ram:TelephoneUniversalCommunication").add(
                "ram:CompleteNumber", contact.phone
            )
        if contact.email:
            block.add("ram:EmailURIUniversalCommunication").add("ram:URIID", contact.email)
    element.children.append(_address(party.address))
    if party.electronic_address is not None:
        element.add("ram:URIUniversalCommunication").add(
            "ram:URIID",
            party.electronic_address.identifier,
            schemeID=party.electronic_address.scheme,
        )
    # EN 16931 BR-O-02: a document outside the scope of VAT names no VAT IDs.
    if party.vat_id and not outside_scope:
        element.add("ram:SpecifiedTaxRegistration").add("ram:ID", party.vat_id, schemeID="VA")
    if party.tax_registration_id:
        element.add("ram:SpecifiedTaxRegistration").add(
            "ram:ID", party.tax_registration_id, schemeID="FC"
        )
    return element


def _address(address: Address) -> Element:
    element = Element("ram:PostalTradeAddress")
    element.add_if("ram:PostcodeCode", address.postal_code)
    lines = address.lines
    for tag, text in zip(("ram:LineOne", "ram:LineTwo"), lines[:2], strict=False):
        element.add(tag, text)
    if len(lines) > 2:
        element.add("ram:LineThree", ", ".join(lines[2:]))
    element.add_if("ram:CityName", address.city)
    element.add("ram:CountryID", address.country)
    return element


def _delivery(document: EInvoiceDocument) -> Element:
    delivery = Element("ram:ApplicableHeaderTradeDelivery")
    if TaxCategory.INTRA_EU in document.categories:
        # EN 16931 BR-IC-12: an intra-EU supply names where the goods went: the buyer's address
        # (complete, as XRechnung's BR-DE-10/11 want a deliver-to address).
        ship_to = delivery.add("ram:ShipToTradeParty")
        ship_to.children.append(_address(document.buyer.address))
    if document.delivery_date is not None:
        event = delivery.add("ram:ActualDeliverySupplyChainEvent")
        _date(event.add("ram:OccurrenceDateTime"), document.delivery_date)
    return delivery


def _settlement(document: EInvoiceDocument, profile: Profile) -> Element:
    currency = document.currency
    settlement = Element("ram:ApplicableHeaderTradeSettlement")
    payment = document.payment
    if payment is not None:
        settlement.add_if("ram:PaymentReference", payment.reference)
    settlement.add("ram:InvoiceCurrencyCode", currency)
    if payment is not None:
        means = settlement.add("ram:SpecifiedTradeSettlementPaymentMeans")
        means.add("ram:TypeCode", payment.means_code)
        account = means.add("ram:PayeePartyCreditorFinancialAccount")
        account.add("ram:IBANID", payment.iban)
        account.add_if("ram:AccountName", payment.account_name)
        if payment.bic:
            means.add("ram:PayeeSpecifiedCreditorFinancialInstitution").add(
                "ram:BICID", payment.bic
            )
    for group in document.breakdown:
        settlement.children.append(_trade_tax(group, currency))
    terms_text = payment_terms_text(document, profile)
    if terms_text or document.due_date is not None:
        terms = settlement.add("ram:SpecifiedTradePaymentTerms")
        terms.add_if("ram:Description", terms_text)
        if document.due_date is not None:
            _date(terms.add("ram:DueDateDateTime"), document.due_date)
    settlement.children.append(_monetary_summation(document))
    if document.corrects is not None:
        reference = settlement.add("ram:InvoiceReferencedDocument")
        reference.add("ram:IssuerAssignedID", document.corrects.number)
        _date(
            reference.add("ram:FormattedIssueDateTime"),
            document.corrects.issue_date,
            "qdt:DateTimeString",
        )
    return settlement


def _trade_tax(group: TaxGroup, currency: str) -> Element:
    trade_tax = Element("ram:ApplicableTradeTax")
    trade_tax.add("ram:CalculatedAmount", amount(group.tax, currency))
    trade_tax.add("ram:TypeCode", "VAT")
    trade_tax.add_if("ram:ExemptionReason", group.exemption_reason)
    trade_tax.add("ram:BasisAmount", amount(group.taxable, currency))
    trade_tax.add("ram:CategoryCode", group.category.value)
    trade_tax.add_if("ram:ExemptionReasonCode", group.exemption_reason_code)
    trade_tax.add("ram:RateApplicablePercent", percent(group.rate))
    return trade_tax


def _monetary_summation(document: EInvoiceDocument) -> Element:
    currency = document.currency
    totals = document.totals
    summation = Element("ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    summation.add("ram:LineTotalAmount", amount(totals.net_total, currency))
    summation.add("ram:TaxBasisTotalAmount", amount(totals.net_total, currency))
    summation.add(
        "ram:TaxTotalAmount", amount(totals.tax_total or Decimal(0), currency), currencyID=currency
    )
    summation.add("ram:GrandTotalAmount", amount(totals.total, currency))
    if totals.prepaid:
        summation.add("ram:TotalPrepaidAmount", amount(totals.prepaid, currency))
    summation.add("ram:DuePayableAmount", amount(totals.payable, currency))
    return summation
