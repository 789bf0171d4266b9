"""Invoice and credit note PDFs, and sending an invoice to the customer.

A PDF is drawn from what the document recorded when it was issued (``InvoiceIssued`` with the
seller and buyer as they were then, ``CreditNoteApplied``), in the language the buyer had then,
so the same document always renders to the same page. With tax data it is Factur-X: the CII
e-invoice of the same facts rides inside as ``factur-x.xml``. Only the logo is today's: it is
the letterhead, not a fact of the invoice.

An invoice goes to the customer when it is issued, if the customer's billing policy says
``send`` (queued in the save that issues it, so an invoice that was issued has its delivery
queued, and a retried command queues nothing twice), and on demand: over Peppol to a customer
with a Peppol id, else by e-mail to the billing contact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid4, uuid5

from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.company import COMPANY_ID, Company
from o2c.aggregates.invoice import Invoice
from o2c.aggregates.order import Order
from o2c.application import letter_parties as parties
from o2c.application.context import CommandContext
from o2c.application.deliveries import DeliveryService
from o2c.application.einvoices import invoice_delivery_date, issued_facts
from o2c.application.ports import EventStorePort
from o2c.application.reminder_letters import LETTERS_NAMESPACE
from o2c.application.results import InvoiceIssuedResult, LetterResult, Result
from o2c.application.unit_of_work import UnitOfWork
from o2c.commands import Command
from o2c.documents import Language, render_invoice_pdf
from o2c.documents.language import Texts
from o2c.domain.billing_policy import policy_of
from o2c.domain.errors import DomainError, InvalidInput
from o2c.einvoice import (
    DocumentKind,
    EInvoiceDocument,
    Profile,
    Syntax,
    credit_note_document,
    invoice_document,
    render,
)

# Invoices go to the billing contact; there is no other role to fall back to.
INVOICE_ROLES = ("billing",)


@dataclass(frozen=True)
class DocumentPdf:
    """A rendered invoice or credit note: bytes, file name, whether it is Factur-X."""

    content: bytes
    filename: str
    factur_x: bool
    number: str
    kind: DocumentKind


def language_at_issue(issued: Mapping[str, Any], company: Company | None) -> Language:
    """The buyer's language as the invoice recorded it, else the seller's default."""
    code = (issued.get("buyer") or {}).get("language")
    if not code and company is not None:
        code = company.details.get("default_language")
    return Language.of(code)


def render_document(
    document: EInvoiceDocument, issued: Mapping[str, Any], company: Company | None
) -> DocumentPdf:
    """The PDF of a built invoice or credit note document."""
    logo = None if company is None else parties.letterhead(company).logo
    rendered = render_invoice_pdf(document, language_at_issue(issued, company), logo)
    prefix = "credit-note" if document.kind is DocumentKind.CREDIT_NOTE else "invoice"
    return DocumentPdf(
        rendered.pdf,
        parties.filename(prefix, document.number),
        rendered.factur_x,
        document.number,
        document.kind,
    )


def _company(store: EventStorePort) -> Company | None:
    found = store.get(COMPANY_ID)
    return found if isinstance(found, Company) else None


def invoice_pdf(store: EventStorePort, invoice_id: UUID) -> DocumentPdf:
    """The invoice's PDF; ``LookupError`` for an unknown invoice, ``RuleViolation``
    ``no-seller`` for one issued before the company profile was set up."""
    issued, _ = issued_facts(store, invoice_id)
    delivered = invoice_delivery_date(store, issued, invoice_id)
    document = invoice_document(issued, delivery_date=delivered, printable=True)
    return render_document(document, issued, _company(store))


def credit_note_pdf(store: EventStorePort, invoice_id: UUID, credit_note_id: UUID) -> DocumentPdf:
    """A credit note's PDF, referring to the invoice it corrects; ``LookupError`` if the
    invoice has no such credit note."""
    issued, history = issued_facts(store, invoice_id)
    for event in history:
        if isinstance(event, Invoice.CreditNoteApplied) and event.credit_note_id == credit_note_id:
            document = credit_note_document(
                issued,
                dict(vars(event)),
                delivery_date=invoice_delivery_date(store, issued, invoice_id),
                printable=True,
            )
            return render_document(document, issued, _company(store))
    raise LookupError(credit_note_id)


def invoice_delivery_id(invoice_id: UUID, reason: str) -> UUID:
    """The delivery id of sending ``invoice_id`` for ``reason`` (``issued``, or an on-demand
    request's idempotency key), so one reason never queues the invoice twice."""
    return uuid5(LETTERS_NAMESPACE, f"invoice:{invoice_id}:{reason}")


@dataclass(frozen=True)
class Outgoing:
    """An invoice as it leaves: over which channel, to whom, as which file."""

    channel: str
    to: str
    content: bytes
    filename: str
    content_type: str
    subject: str
    body: str
    # Why a customer with a Peppol id gets an e-mail instead (its invoice is no Peppol BIS).
    note: str | None = None


def outgoing_invoice(
    issued: Mapping[str, Any],
    delivered: date | None,
    company: Company | None,
    account: CustomerAccount,
    to: str | None = None,
) -> Outgoing:
    """How an invoice reaches its customer: a customer with a Peppol id (B2B e-invoicing, as
    Belgium and France require now and Germany from 2027) receives the Peppol BIS 3.0 UBL
    through its access point; every other one the Factur-X PDF by e-mail to the billing
    contact. ``to`` sends the PDF to that address instead. ``InvalidInput`` ``no-contact`` when
    there is nobody to send it to."""
    note = None
    peppol_id = account.details.get("peppol_id")
    if to is None and peppol_id:
        try:
            document = invoice_document(issued, delivery_date=delivered)
            ubl = render(document, Syntax.UBL, Profile.PEPPOL)
            mail = _mail(document.number, document.kind, issued, company)
            filename = f"{parties.filename('invoice', document.number)[:-4]}.xml"
            return Outgoing("peppol", peppol_id, ubl, filename, "application/xml", **mail)
        except DomainError as err:
            note = f"sent by e-mail: no Peppol BIS invoice ({err})"
    if to is None:
        contact = parties.recipient(account, INVOICE_ROLES)
        if contact is None:
            raise InvalidInput(
                "the customer has no billing contact with an e-mail address", code="no-contact"
            )
        to = contact.email
    document = invoice_document(issued, delivery_date=delivered, printable=True)
    pdf = render_document(document, issued, company)
    mail = _mail(pdf.number, pdf.kind, issued, company)
    return Outgoing("email", to, pdf.content, pdf.filename, "application/pdf", note=note, **mail)


class InvoiceSending:
    """Sends invoices to the customer: on issue, per the customer's billing policy (a follower
    of the commands that issue invoices), and on demand."""

    def __init__(self, deliveries: DeliveryService) -> None:
        self.deliveries = deliveries

    def __call__(self, cmd: Command, result: Result, uow: UnitOfWork) -> Result:
        """Follows a command that issued an invoice (an invoicing, a shipment billed on
        shipment, a customer's part of a billing run): queue it if the policy sends."""
        nested = getattr(result, "invoice", None)
        if isinstance(nested, InvoiceIssuedResult):
            return result.model_copy(update={"invoice": self(cmd, nested, uow)})
        if not isinstance(result, InvoiceIssuedResult):
            return result
        invoice = uow.find(result.invoice_id, Invoice)
        issued = None if invoice is None else _issued_in_this_save(invoice)
        if invoice is None or issued is None:
            return result  # issued by an earlier save (a run started again answers it)
        account = uow.get(result.customer_id, CustomerAccount)
        if not policy_of(account.details.get("billing_policy")).send:
            return result
        letter = self._queue_issued(invoice, issued, account, uow)
        return result.model_copy(update={"delivery": letter})

    def _queue_issued(
        self,
        invoice: Invoice,
        issued: dict[str, Any],
        account: CustomerAccount,
        uow: UnitOfWork,
    ) -> LetterResult:

        def shipments(order_id: UUID) -> list[object]:
            # The order's invoicing is recorded in this same save: still pending.
            return [*uow.history(order_id), *uow.get(order_id, Order).pending_events]

        try:
            out = outgoing_invoice(
                issued,
                invoice_delivery_date(uow.store, issued, invoice.id, shipments),
                uow.find(COMPANY_ID, Company),
                account,
            )
        except InvalidInput as err:
            if err.code == "no-contact":
                return LetterResult(customer_id=account.id, status="no_contact")
            return LetterResult(customer_id=account.id, status="not_sent", reason=str(err))
        except DomainError as err:  # a letter that cannot be made must not stop the invoice
            return LetterResult(customer_id=account.id, status="not_sent", reason=str(err))
        delivery = self.deliveries.prepare(
            delivery_id=invoice_delivery_id(invoice.id, "issued"),
            customer_id=account.id,
            document=f"invoice:{invoice.id}",
            **_fields(out),
        )
        uow.add(delivery)
        return self._letter(account.id, delivery.id, out, delivery.status == "held")

    def send(
        self,
        store: EventStorePort,
        invoice_id: UUID,
        ctx: CommandContext,
        to: str | None = None,
    ) -> LetterResult:
        """Queue the invoice now, as on issue, or as PDF to ``to``. With an idempotency key
        the same request queues it once; without, each request sends again."""
        issued, _ = issued_facts(store, invoice_id)
        account = store.get(UUID(str(issued["customer_id"])))
        assert isinstance(account, CustomerAccount)
        delivered = invoice_delivery_date(store, issued, invoice_id)
        out = outgoing_invoice(issued, delivered, _company(store), account, to)
        reason = f"send:{ctx.idempotency_key}" if ctx.idempotency_key else f"send:{uuid4()}"
        queued = self.deliveries.queue_delivery(
            customer_id=account.id,
            document=f"invoice:{invoice_id}",
            delivery_id=invoice_delivery_id(invoice_id, reason),
            ctx=ctx,
            **_fields(out),
        )
        return self._letter(account.id, queued.delivery_id, out, queued.held)

    def _letter(
        self, customer_id: UUID, delivery_id: UUID, out: Outgoing, held: bool
    ) -> LetterResult:
        return LetterResult(
            customer_id=customer_id,
            status="held" if held else "queued",
            delivery_id=delivery_id,
            to=out.to,
            channel=self.deliveries.email_channel if out.channel == "email" else out.channel,
            reason=self.deliveries.held_reason(out.to) if held else out.note,
        )


def _issued_in_this_save(invoice: Invoice) -> dict[str, Any] | None:
    """The fields of the invoice's ``InvoiceIssued`` if this save records it, else ``None``."""
    for event in invoice.pending_events:
        if isinstance(event, Invoice.InvoiceIssued):
            return dict(vars(event))
    return None


def _fields(out: Outgoing) -> dict[str, Any]:
    return {
        "content": out.content,
        "filename": out.filename,
        "channel": out.channel,
        "to": out.to,
        "subject": out.subject,
        "body": out.body,
        "content_type": out.content_type,
    }


def _mail(
    number: str, kind: DocumentKind, issued: Mapping[str, Any], company: Company | None
) -> dict[str, str]:
    texts = Texts(language_at_issue(issued, company))
    title = texts("credit_note" if kind is DocumentKind.CREDIT_NOTE else "invoice")
    seller = str((issued.get("seller") or {}).get("legal_name") or "")
    on = issued.get("issued_on")
    when = texts.date(on if isinstance(on, date) else date.fromisoformat(str(on)))
    values = {"title": title, "title_lower": title.lower(), "number": number}
    return {
        "subject": texts("mail_invoice_subject", seller=seller, **values)[:200],
        "body": texts("mail_invoice_body", seller=seller, date=when, **values),
    }
