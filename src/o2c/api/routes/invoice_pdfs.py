"""Invoices and credit notes as PDFs (Factur-X when they carry tax data), and sending an
invoice to the customer."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from o2c.api.auth import Clerk, Reader
from o2c.api.deps import container, context
from o2c.api.problems import Problem
from o2c.api.reads import MinPosition, queries
from o2c.api.routes.letters import pdf_response
from o2c.application.invoice_pdfs import DocumentPdf, credit_note_pdf, invoice_pdf
from o2c.application.results import LetterResult
from o2c.commands.base import SingleLine

router = APIRouter(tags=["invoices"])

_PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "the PDF"},
    409: {"description": "`no-seller`: issued before the company profile was set up"},
}


class SendInvoiceBody(BaseModel):
    """Where to send the invoice; by default the customer's billing contact."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    to: Annotated[SingleLine, Field(max_length=254, examples=["ap@example.com"])] | None = None


def _pdf(found: DocumentPdf) -> Response:
    response = pdf_response(found.content, found.filename)
    response.headers["X-Factur-X"] = "true" if found.factur_x else "false"
    return response


@router.get(
    "/v1/invoices/{invoice_id}/pdf",
    summary="An invoice as PDF (Factur-X)",
    response_class=Response,
    responses=_PDF,
)
def invoice(_: Reader, invoice_id: UUID, request: Request) -> Response:
    """The invoice as the customer receives it, in the customer's language as recorded at
    issue: seller and logo, lines, VAT breakdown, payment instructions with the `RF` creditor
    reference and, for EUR, an EPC QR code. With tax data it is Factur-X (PDF/A-3b carrying
    the CII e-invoice as `factur-x.xml`; header `X-Factur-X: true`)."""
    try:
        return _pdf(invoice_pdf(container(request).store, invoice_id))
    except LookupError:
        raise Problem(404, "invoice-not-found", f"invoice {invoice_id} not found") from None


@router.get(
    "/v1/credit-notes/{credit_note_id}/pdf",
    summary="A credit note as PDF (Factur-X)",
    response_class=Response,
    responses=_PDF,
)
def credit_note(
    _: Reader, credit_note_id: UUID, request: Request, min_position: int | None = MinPosition
) -> Response:
    """The credit note, referring to the invoice it corrects; Factur-X as for invoices."""
    invoice_id = queries(request, min_position).credit_note_invoice(credit_note_id)
    not_found = Problem(404, "credit-note-not-found", f"credit note {credit_note_id} not found")
    if invoice_id is None:
        raise not_found
    try:
        return _pdf(credit_note_pdf(container(request).store, UUID(invoice_id), credit_note_id))
    except LookupError:
        raise not_found from None


@router.post(
    "/v1/invoices/{invoice_id}/send",
    summary="Send an invoice to the customer",
    status_code=202,
    responses={422: {"description": "`no-contact`: no billing e-mail and no `to` given"}},
)
def send(
    invoice_id: UUID, request: Request, who: Clerk, body: SendInvoiceBody | None = None
) -> LetterResult:
    """Queue the invoice's PDF for delivery to `to` (default: the customer's billing contact).
    Each request sends it again; with an `Idempotency-Key` a repeated request queues nothing
    new. `status` is `queued`, or `held` when the address bounced before (`reason`)."""
    parts = container(request).delivery
    sending = None if parts is None else parts.invoices
    if sending is None:
        raise Problem(503, "read-side-unavailable", "no delivery in this process")
    try:
        return sending.send(
            container(request).store,
            invoice_id,
            context(request, who),
            None if body is None else body.to,
        )
    except LookupError:
        raise Problem(404, "invoice-not-found", f"invoice {invoice_id} not found") from None
