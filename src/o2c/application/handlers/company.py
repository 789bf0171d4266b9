"""Handlers for the seller's profile and logo."""

from __future__ import annotations

import base64

from o2c import commands as c
from o2c.aggregates.company import COMPANY_ID, Company
from o2c.application.results import CompanyResult, LogoResult
from o2c.application.unit_of_work import UnitOfWork
from o2c.domain.errors import InvalidInput


def company_view(company: Company) -> CompanyResult:
    """The profile as the API shows it (the logo by its digest, not its bytes)."""
    logo = company.logo
    return CompanyResult(
        **{k: company.details.get(k) for k in CompanyResult.model_fields if k != "logo"},
        logo=None
        if logo is None
        else LogoResult(
            media_type=logo["media_type"],
            size=len(base64.b64decode(logo["content"])),
            sha256=logo["sha256"],
        ),
    )


def _company(uow: UnitOfWork) -> Company:
    return uow.find_or_start(COMPANY_ID, Company, Company.start)


def replace_company_profile(cmd: c.ReplaceCompanyProfile, uow: UnitOfWork) -> CompanyResult:
    """Set the seller's whole profile; only what changed is recorded."""
    company = _company(uow)
    company.replace_details(cmd.model_dump(mode="json"))
    return company_view(company)


def change_company_logo(cmd: c.ChangeCompanyLogo, uow: UnitOfWork) -> CompanyResult:
    """Set or remove the seller's logo."""
    company = _company(uow)
    if cmd.media_type is None:
        company.remove_logo()
        return company_view(company)
    try:
        content = base64.b64decode(cmd.content_base64 or "", validate=True)
    except ValueError as exc:  # binascii.Error is one; so is text that is not ASCII
        raise InvalidInput("the logo is not valid base64", code="invalid-logo") from exc
    company.replace_logo(cmd.media_type, content)
    return company_view(company)
