"""Documents as PDFs: invoice and credit note (Factur-X), statement of account, reminder letter.

Pure rendering: a model in, PDF bytes and their SHA-256 out (``RenderedPdf``). Typst typesets
templates that ship in this package (``templates/*.typ``) from data passed as JSON; texts are
in the customer's language (en, de, fr), dates and amounts formatted by ``babel``. Payment
instructions carry the invoice's ISO 11649 ``RF`` creditor reference and, for euro, an EPC QR
code. Nothing here reads configuration, a database or the network.
"""

from o2c.documents.epc_qr import epc_payload, qr_svg
from o2c.documents.invoice_pdf import render_invoice_pdf
from o2c.documents.language import Language
from o2c.documents.letter import RenderedPdf
from o2c.documents.model import (
    Letterhead,
    Logo,
    LogoFormat,
    OverdueInvoice,
    ReminderLetter,
    StatementLine,
    StatementOfAccount,
)
from o2c.documents.reminder_pdf import render_reminder_pdf
from o2c.documents.statement_pdf import render_statement_pdf
from o2c.domain.creditor_reference import creditor_reference, invoice_number_from_rf

__all__ = [
    "Language",
    "Letterhead",
    "Logo",
    "LogoFormat",
    "OverdueInvoice",
    "ReminderLetter",
    "RenderedPdf",
    "StatementLine",
    "StatementOfAccount",
    "creditor_reference",
    "epc_payload",
    "invoice_number_from_rf",
    "qr_svg",
    "render_invoice_pdf",
    "render_reminder_pdf",
    "render_statement_pdf",
]
