"""The EPC QR code ("GiroCode", EPC069-12 version 002) that banking apps scan to pay in euro.

The payload is twelve lines at most: ``BCD``, version ``002``, character set ``1`` (UTF-8),
``SCT``, BIC, beneficiary name (70 characters at most), IBAN, ``EUR`` and the amount, an
empty purpose, and either the structured creditor reference (``RF…``) or up to 140 characters
of unstructured remittance. Trailing empty lines are left off, as the standard allows.
"""

from __future__ import annotations

import io
from decimal import Decimal

import segno

MAX_AMOUNT = Decimal("999999999.99")
MAX_NAME = 70
MAX_REMITTANCE = 140


def epc_payload(
    *,
    name: str,
    iban: str,
    amount: Decimal,
    bic: str | None = None,
    reference: str | None = None,
    remittance: str | None = None,
) -> str | None:
    """The payload for paying ``amount`` euro, or ``None`` when no EPC code can say it.

    ``None`` for an amount outside 0.01 to 999,999,999.99 or with more than two decimals.
    A structured ``reference`` wins over ``remittance`` text (the standard allows one of them).
    """
    if not Decimal("0.01") <= amount <= MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
        return None
    lines = [
        "BCD",
        "002",
        "1",
        "SCT",
        (bic or "").replace(" ", "").upper(),
        " ".join(name.split())[:MAX_NAME],
        iban.replace(" ", "").upper(),
        f"EUR{amount.quantize(Decimal('0.01'))}",
        "",
        reference or "",
        "" if reference else " ".join((remittance or "").split())[:MAX_REMITTANCE],
    ]
    while lines[-1] == "":
        lines.pop()
    return "\n".join(lines)


def qr_svg(payload: str) -> str:
    """The QR code of ``payload`` as an SVG document (error correction M, as EPC069-12 asks).

    The mask pattern is fixed: every mask gives a valid code (readers take it from the format
    bits), and scoring all eight in pure Python cost more than typesetting the page.
    """
    code = segno.make_qr(payload, error="m", encoding="utf-8", boost_error=False, mask=2)
    out = io.BytesIO()
    code.save(out, kind="svg", scale=4, border=4, xmldecl=False, svgns=True, dark="#000")
    return out.getvalue().decode()
