"""The e-invoice document: what an invoice or credit note states, in EN 16931 terms.

A document is built once from an invoice's events and the parties as recorded at issue, then
rendered in any syntax (UBL, CII) and profile. It holds facts, never formatting: amounts are
``Decimal`` in the document's currency, dates are ``date``. The business-term numbers (BT-n,
BG-n) in the field docs are those of EN 16931-1, which every syntax maps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from o2c.domain.errors import InvalidInput, RuleViolation
from o2c.domain.tax import LineTax, TaxCategory, TaxGroup


class DocumentKind(StrEnum):
    """An invoice (UNTDID 1001 code 380) or a credit note (381)."""

    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"

    @property
    def type_code(self) -> str:
        """The UNTDID 1001 document type code (BT-3)."""
        return "380" if self is DocumentKind.INVOICE else "381"


@dataclass(frozen=True)
class ElectronicAddress:
    """Where a party receives e-invoices (BT-34/BT-49): an EAS scheme code and an identifier."""

    scheme: str
    identifier: str

    @classmethod
    def parse(cls, value: str) -> ElectronicAddress:
        """Parse the Peppol participant form ``scheme:id`` (e.g. ``0088:4035811991021``)."""
        scheme, sep, identifier = value.strip().partition(":")
        if not sep or not scheme.strip() or not identifier.strip():
            raise InvalidInput(
                f"electronic address {value!r} is not SCHEME:ID", code="invalid-peppol-id"
            )
        return cls(scheme.strip(), identifier.strip())

    def __str__(self) -> str:
        return f"{self.scheme}:{self.identifier}"


@dataclass(frozen=True)
class Address:
    """A postal address (BG-5/BG-8): up to three lines, city, postal code, ISO 3166 country."""

    country: str
    lines: tuple[str, ...] = ()
    city: str | None = None
    postal_code: str | None = None


@dataclass(frozen=True)
class Contact:
    """A contact point (BG-6/BG-9): name, telephone, e-mail."""

    name: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Party:
    """The seller (BG-4) or buyer (BG-7) as recorded when the document was issued.

    ``legal_registration_id`` is BT-30/BT-47 (a company register number);
    ``tax_registration_id`` is the seller's local tax number (BT-32), used where it has no VAT ID.
    """

    name: str
    address: Address
    vat_id: str | None = None
    tax_registration_id: str | None = None
    legal_registration_id: str | None = None
    electronic_address: ElectronicAddress | None = None
    contact: Contact | None = None


@dataclass(frozen=True)
class DocumentLine:
    """An invoice line (BG-25): quantity × net unit price = net amount, taxed as ``tax`` says.

    ``tax`` is ``None`` only for lines recorded before taxes existed; such a document cannot be
    rendered (``no-tax-data``). ``unit_code`` is UN/ECE Recommendation 20 (``C62`` = one).
    """

    line_id: str
    name: str
    quantity: Decimal
    unit_price: Decimal
    net_amount: Decimal
    tax: LineTax | None
    seller_item_id: str | None = None
    unit_code: str = "C62"

    def taxed(self) -> LineTax:
        """The line's tax; ``no-tax-data`` for a line recorded before taxes."""
        if self.tax is None:
            raise RuleViolation(f"line {self.line_id} has no tax data", code="no-tax-data")
        return self.tax


@dataclass(frozen=True)
class PaymentInstructions:
    """Payment means 58, SEPA credit transfer (BG-16/BG-17), with the payment reference (BT-83)."""

    iban: str
    bic: str | None = None
    account_name: str | None = None
    reference: str | None = None

    means_code = "58"


@dataclass(frozen=True)
class EarlyPaymentDiscount:
    """A discount for paying early: ``percent`` off if paid within ``days`` (by ``until``).

    EN 16931 has no structured field for it: it is stated in the payment terms (BT-20), in
    XRechnung's ``#SKONTO#`` form for that profile.
    """

    percent: Decimal
    days: int
    amount: Decimal
    until: date


@dataclass(frozen=True)
class PaymentTerms:
    """The payment terms (BT-20): free text and an optional early-payment discount."""

    note: str | None = None
    discount: EarlyPaymentDiscount | None = None


@dataclass(frozen=True)
class DocumentTotals:
    """Document totals (BG-22). ``tax_total`` is ``None`` for a document recorded before taxes.

    Without document-level allowances and charges, BT-106 (sum of line nets) equals BT-109
    (total without VAT), so one ``net_total`` stands for both.
    """

    net_total: Decimal
    tax_total: Decimal | None
    total: Decimal
    prepaid: Decimal = Decimal(0)

    @property
    def payable(self) -> Decimal:
        """Amount due for payment (BT-115)."""
        return self.total - self.prepaid


@dataclass(frozen=True)
class InvoiceReference:
    """The preceding invoice a credit note corrects (BG-3: BT-25 number, BT-26 issue date)."""

    number: str
    issue_date: date


@dataclass(frozen=True)
class EInvoiceDocument:
    """One invoice or credit note, ready to render as an e-invoice.

    ``breakdown`` is the VAT breakdown (BG-23) exactly as the invoice recorded it: its groups
    are rendered in their order, never recomputed, so the document states what was booked.
    """

    kind: DocumentKind
    number: str
    issue_date: date
    currency: str
    seller: Party
    buyer: Party
    lines: tuple[DocumentLine, ...]
    breakdown: tuple[TaxGroup, ...]
    totals: DocumentTotals
    due_date: date | None = None
    delivery_date: date | None = None
    buyer_reference: str | None = None
    purchase_order: str | None = None
    payment: PaymentInstructions | None = None
    payment_terms: PaymentTerms | None = None
    corrects: InvoiceReference | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def has_tax_data(self) -> bool:
        """Whether the document carries the tax facts every EN 16931 document needs."""
        return (
            bool(self.breakdown)
            and self.totals.tax_total is not None
            and all(line.tax is not None for line in self.lines)
        )

    @property
    def categories(self) -> frozenset[TaxCategory]:
        """The VAT categories of the breakdown."""
        return frozenset(group.category for group in self.breakdown)
