"""One entry point for every syntax and profile: ``render(document, syntax, profile)``."""

from __future__ import annotations

from enum import StrEnum

from o2c.einvoice.cii import render_cii
from o2c.einvoice.document import EInvoiceDocument
from o2c.einvoice.profiles import Profile
from o2c.einvoice.ubl import render_ubl


class Syntax(StrEnum):
    """The two EN 16931 syntaxes: OASIS UBL 2.1 and UN/CEFACT CII D16B."""

    UBL = "ubl"
    CII = "cii"


def render(
    document: EInvoiceDocument, syntax: Syntax = Syntax.UBL, profile: Profile = Profile.EN16931
) -> bytes:
    """The XML bytes of ``document``: the same document always gives the same bytes.

    Raises ``RuleViolation`` (``no-tax-data``, ``peppol-id-required``,
    ``buyer-reference-required``, ``einvoice-incomplete``, ``einvoice-unsupported``) when the
    document cannot be a valid e-invoice of ``profile``.
    """
    if syntax is Syntax.CII:
        return render_cii(document, profile)
    return render_ubl(document, profile)
