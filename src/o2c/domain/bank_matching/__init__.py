"""Bank matching: deciding how to apply an incoming bank line to open invoices.

See ``o2c.domain.bank_matching.matcher`` for the rules.
"""

from o2c.domain.bank_matching.matcher import Matcher
from o2c.domain.bank_matching.model import (
    Allocation,
    Decision,
    KnownPayer,
    Match,
    OpenInvoiceRef,
    Receipt,
    Suggestion,
)

__all__ = [
    "Allocation",
    "Decision",
    "KnownPayer",
    "Match",
    "Matcher",
    "OpenInvoiceRef",
    "Receipt",
    "Suggestion",
]
