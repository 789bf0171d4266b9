"""IBAN recognition for account fields that may hold an IBAN or a domestic account number."""

from __future__ import annotations

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException


def valid_iban(candidate: str | None) -> str | None:
    """The compact IBAN if ``candidate`` is a valid one (checksum and country format), else None."""
    if not candidate:
        return None
    try:
        return IBAN(candidate).compact
    except SchwiftyException:
        return None
