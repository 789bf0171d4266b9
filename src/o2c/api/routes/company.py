"""The seller's profile and logo: read by every role, set by an admin."""

from __future__ import annotations

import base64
from typing import Any

from fastapi import APIRouter, Request, Response

from o2c import commands as c
from o2c.aggregates.company import COMPANY_ID, Company
from o2c.api.auth import Admin, Reader
from o2c.api.deps import Service, answer, container, run
from o2c.api.problems import Problem
from o2c.application.handlers.company import company_view
from o2c.application.results import CompanyResult

router = APIRouter(prefix="/v1/company", tags=["company"])

# An SVG is a document that may hold scripts: served as an image that can run nothing.
_LOGO_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    "X-Content-Type-Options": "nosniff",
}


def _company(request: Request) -> Company:
    company = container(request).store.get(COMPANY_ID)
    if not isinstance(company, Company):
        raise Problem(404, "company-not-set-up", "no seller profile yet: PUT /v1/company")
    return company


@router.get("", summary="The seller's profile")
def get_company(_: Reader, request: Request) -> CompanyResult:
    """The seller as documents name it (read from the event store: always current)."""
    return company_view(_company(request))


@router.put(
    "", summary="Set the seller's profile (admin)", response_model=answer(c.ReplaceCompanyProfile)
)
def put_company(
    body: c.ReplaceCompanyProfile, request: Request, service: Service, who: Admin
) -> dict[str, Any]:
    """Replace the whole profile: a field left out is cleared (the logo is kept). Legal name and
    address are required; the VAT ID must pass its checksum and, inside the EU, name the
    address's country (422 `invalid-vat-id`); IBAN and BIC are checked (422 `invalid-iban`,
    `invalid-bic`). Only the fields that changed are recorded."""
    return run(request, who, body, service)


@router.put(
    "/logo", summary="Set the seller's logo (admin)", response_model=answer(c.ChangeCompanyLogo)
)
def put_logo(
    body: c.ChangeCompanyLogo, request: Request, service: Service, who: Admin
) -> dict[str, Any]:
    """`{"media_type": "image/png" | "image/svg+xml", "content_base64": "..."}`, at most 200 KB
    decoded (422 `invalid-logo`)."""
    if body.media_type is None:
        raise Problem(422, "invalid-logo", "media_type is required (DELETE removes the logo)")
    return run(request, who, body, service)


@router.delete(
    "/logo", summary="Remove the seller's logo (admin)", response_model=answer(c.ChangeCompanyLogo)
)
def delete_logo(request: Request, service: Service, who: Admin) -> dict[str, Any]:
    """Remove the logo (nothing recorded when there is none)."""
    return run(request, who, c.ChangeCompanyLogo(), service)


@router.get("/logo", summary="The seller's logo", response_class=Response)
def get_logo(_: Reader, request: Request) -> Response:
    """The logo's bytes with its media type; 404 `no-logo` when none is set."""
    logo = _company(request).logo
    if logo is None:
        raise Problem(404, "no-logo", "the seller has no logo")
    content = base64.b64decode(logo["content"])
    return Response(content, media_type=logo["media_type"], headers=_LOGO_HEADERS)
