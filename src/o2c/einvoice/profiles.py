"""Profiles (EN 16931 core invoice usage specifications) and what each needs of a document.

A document that lacks what its profile needs is refused with a ``RuleViolation`` (409 at the
HTTP edge) naming the missing business terms, never rendered into a document the receiver's
validator would reject.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from o2c.domain.errors import RuleViolation
from o2c.domain.tax import TaxCategory
from o2c.einvoice.document import DocumentKind, EInvoiceDocument, Party

EN16931_ID = "urn:cen.eu:en16931:2017"
PEPPOL_BILLING_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"


@dataclass(frozen=True)
class ProfileIds:
    """The specification identifier (BT-24) and business process (BT-23) a profile states."""

    customization_id: str
    process_id: str | None


class Profile(StrEnum):
    """Plain EN 16931, Peppol BIS Billing 3.0, or XRechnung 3.0 (Germany's public sector CIUS)."""

    EN16931 = "en16931"
    PEPPOL = "peppol"
    XRECHNUNG = "xrechnung"

    @property
    def ids(self) -> ProfileIds:
        """BT-24 and BT-23 of this profile."""
        return _IDS[self]


_IDS = {
    Profile.EN16931: ProfileIds(EN16931_ID, None),
    Profile.PEPPOL: ProfileIds(
        f"{EN16931_ID}#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0", PEPPOL_BILLING_PROCESS
    ),
    Profile.XRECHNUNG: ProfileIds(
        f"{EN16931_ID}#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0", PEPPOL_BILLING_PROCESS
    ),
}


def check(document: EInvoiceDocument, profile: Profile) -> None:
    """Raise ``RuleViolation`` if ``document`` cannot be a valid e-invoice of ``profile``.

    Codes: ``no-tax-data`` (recorded before taxes: no VAT breakdown), ``peppol-id-required``
    (Peppol and XRechnung address both parties electronically, BT-34/BT-49),
    ``buyer-reference-required`` (XRechnung, and Peppol between German parties, need BT-10;
    Peppol otherwise BT-10 or the order number BT-13), ``einvoice-incomplete`` (other facts
    EN 16931 or the profile needs) and ``einvoice-unsupported`` (a combination EN 16931 cannot
    express).
    """
    if not document.has_tax_data:
        raise RuleViolation(
            f"{document.number} was recorded before taxes: it has no VAT breakdown to state",
            code="no-tax-data",
        )
    if profile is not Profile.EN16931:
        missing = [
            role
            for role, party in (("seller", document.seller), ("buyer", document.buyer))
            if party.electronic_address is None
        ]
        if missing:
            raise RuleViolation(
                f"{profile.value} needs the electronic address (Peppol ID) of the "
                + " and the ".join(missing),
                code="peppol-id-required",
            )
    german_rules = _german_rules_apply(document, profile)
    if german_rules and not document.buyer_reference:
        raise RuleViolation(
            f"{_german_rules_name(profile)} needs the buyer reference (e.g. the Leitweg-ID)",
            code="buyer-reference-required",
        )
    if profile is Profile.PEPPOL and not (document.buyer_reference or document.purchase_order):
        raise RuleViolation(
            "Peppol BIS needs the buyer reference or the purchase order number",
            code="buyer-reference-required",
        )
    _check_categories(document)
    missing_terms = _missing_terms(document, profile)
    if missing_terms:
        raise RuleViolation(
            f"{document.number} cannot be a {profile.value} e-invoice without: "
            + ", ".join(missing_terms),
            code="einvoice-incomplete",
        )


def _check_categories(document: EInvoiceDocument) -> None:
    # EN 16931 BR-O-11: "not subject to VAT" is stated alone, never beside taxed groups.
    categories = document.categories
    if TaxCategory.OUTSIDE_SCOPE in categories and len(categories) > 1:
        raise RuleViolation(
            "EN 16931 cannot combine lines outside the scope of VAT (O) with other categories "
            "on one document",
            code="einvoice-unsupported",
        )


def _missing_terms(document: EInvoiceDocument, profile: Profile) -> list[str]:
    seller, buyer = document.seller, document.buyer
    categories = document.categories
    missing: list[str] = []
    outside_scope = categories == {TaxCategory.OUTSIDE_SCOPE}
    if outside_scope and not seller.legal_registration_id:
        # BR-O-02 forbids the VAT ID, so BR-CO-26 needs the register number instead.
        missing.append("seller legal registration ID (BT-30)")
    if not outside_scope and not (seller.vat_id or seller.tax_registration_id):
        missing.append("seller VAT ID (BT-31) or tax registration ID (BT-32)")
    if categories & {TaxCategory.REVERSE_CHARGE, TaxCategory.INTRA_EU} and not buyer.vat_id:
        missing.append("buyer VAT ID (BT-48)")
    if categories & {TaxCategory.REVERSE_CHARGE, TaxCategory.INTRA_EU, TaxCategory.EXPORT} and (
        not seller.vat_id
    ):
        missing.append("seller VAT ID (BT-31)")
    if TaxCategory.INTRA_EU in categories and document.delivery_date is None:
        missing.append("actual delivery date (BT-72)")
    if document.kind is DocumentKind.CREDIT_NOTE and document.corrects is None:
        missing.append("preceding invoice reference (BG-3)")
    if document.totals.payable > 0 and document.due_date is None and not _has_terms(document):
        missing.append("payment due date (BT-9) or payment terms (BT-20)")
    if _german_rules_apply(document, profile):
        missing.extend(_xrechnung_missing(document))
    return missing


def _german_rules_apply(document: EInvoiceDocument, profile: Profile) -> bool:
    # Peppol BIS applies XRechnung's rules (its DE-R-* set) between a German seller and buyer.
    if profile is Profile.XRECHNUNG:
        return True
    return (
        profile is Profile.PEPPOL
        and document.seller.address.country == "DE"
        and document.buyer.address.country == "DE"
    )


def _german_rules_name(profile: Profile) -> str:
    return "XRechnung" if profile is Profile.XRECHNUNG else "Peppol BIS between German parties"


def _has_terms(document: EInvoiceDocument) -> bool:
    terms = document.payment_terms
    return terms is not None and bool(terms.note or terms.discount)


def _xrechnung_missing(document: EInvoiceDocument) -> list[str]:
    missing: list[str] = []
    if document.payment is None:
        missing.append("payment instructions (BG-16)")
    contact = document.seller.contact
    if contact is None or not (contact.name and contact.phone and contact.email):
        missing.append("seller contact name, telephone and e-mail (BT-41..BT-43)")
    for role, party in (("seller", document.seller), ("buyer", document.buyer)):
        missing.extend(_address_missing(role, party))
    return missing


def _address_missing(role: str, party: Party) -> list[str]:
    if party.address.city and party.address.postal_code:
        return []
    return [f"{role} city and post code"]
