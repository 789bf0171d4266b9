"""E-invoices (EN 16931): a pure document model and deterministic UBL 2.1 / CII D16B renderers.

Nothing here touches infrastructure: a document is built from an invoice's facts and the
parties as recorded at issue, and rendering it is a pure function from document, syntax and
profile to bytes (whose SHA-256 a delivery records).
"""

from o2c.einvoice.builder import credit_note_document, invoice_document
from o2c.einvoice.document import (
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
from o2c.einvoice.profiles import Profile, check
from o2c.einvoice.render import Syntax, render

__all__ = [
    "Address",
    "Contact",
    "DocumentKind",
    "DocumentLine",
    "DocumentTotals",
    "EInvoiceDocument",
    "EarlyPaymentDiscount",
    "ElectronicAddress",
    "InvoiceReference",
    "Party",
    "PaymentInstructions",
    "PaymentTerms",
    "Profile",
    "Syntax",
    "check",
    "credit_note_document",
    "invoice_document",
    "render",
]
