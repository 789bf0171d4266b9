"""E-invoices (EN 16931) of invoices and credit notes: UBL 2.1 or CII D16B, in the plain,
Peppol BIS 3.0 or XRechnung 3.0 profile."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from o2c.api.auth import Reader
from o2c.api.deps import container
from o2c.api.problems import Problem
from o2c.api.reads import MinPosition, queries
from o2c.application.einvoices import EInvoiceFile, credit_note_einvoice, invoice_einvoice
from o2c.einvoice import Profile, Syntax

router = APIRouter(tags=["invoices"])

_XML: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/xml": {}}, "description": "the e-invoice"},
    409: {
        "description": "`no-tax-data`, `peppol-id-required`, `buyer-reference-required`, "
        "`einvoice-incomplete`, `einvoice-unsupported`"
    },
}
SyntaxQuery = Query(Syntax.UBL, description="`ubl` (UBL 2.1) or `cii` (UN/CEFACT CII D16B)")
ProfileQuery = Query(Profile.EN16931, description="`en16931`, `peppol` (BIS 3.0), `xrechnung`")


def _xml(found: EInvoiceFile) -> Response:
    return Response(
        found.content,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{found.filename}"'},
    )


@router.get(
    "/v1/invoices/{invoice_id}/einvoice",
    summary="An invoice as e-invoice",
    response_class=Response,
    responses=_XML,
)
def invoice(
    _: Reader,
    invoice_id: UUID,
    request: Request,
    syntax: Syntax = SyntaxQuery,
    profile: Profile = ProfileQuery,
) -> Response:
    """The invoice as EN 16931 XML, built from what it recorded at issue (lines, tax, seller and
    buyer as they were then); the same invoice always gives the same bytes. 409 when the
    profile needs what the invoice lacks: `no-tax-data` (recorded before taxes, or without a
    company profile), `peppol-id-required`, `buyer-reference-required`."""
    try:
        return _xml(invoice_einvoice(container(request).store, invoice_id, syntax, profile))
    except LookupError:
        raise Problem(404, "invoice-not-found", f"invoice {invoice_id} not found") from None


@router.get(
    "/v1/credit-notes/{credit_note_id}/einvoice",
    summary="A credit note as e-invoice",
    response_class=Response,
    responses=_XML,
)
def credit_note(
    _: Reader,
    credit_note_id: UUID,
    request: Request,
    syntax: Syntax = SyntaxQuery,
    profile: Profile = ProfileQuery,
    min_position: int | None = MinPosition,
) -> Response:
    """The credit note as EN 16931 XML, referring to the invoice it corrects (BT-25, BT-26);
    409s as for invoices."""
    invoice_id = queries(request, min_position).credit_note_invoice(credit_note_id)
    not_found = Problem(404, "credit-note-not-found", f"credit note {credit_note_id} not found")
    if invoice_id is None:
        raise not_found
    store = container(request).store
    try:
        return _xml(credit_note_einvoice(store, UUID(invoice_id), credit_note_id, syntax, profile))
    except LookupError:
        raise not_found from None
