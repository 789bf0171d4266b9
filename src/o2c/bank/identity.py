"""Stable identities of statements and lines, so a re-imported file is recognised.

A line's id is the bank's own reference for the entry when it gives one. Banks sometimes repeat
a reference inside one statement (a batch reference, a duplicated entry); the second and later
occurrences then get ``#2``, ``#3``… appended, so no line ever shadows another while two reads
of the same file still agree. Without a bank reference the id is a digest of the statement id,
the line's position and its content.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from o2c.bank.statement import BankLine

# What some banks write where a reference is required but they have none.
_NO_REFERENCE = frozenset({"NONREF", "NOTPROVIDED"})


@dataclass(frozen=True, slots=True)
class UnidentifiedLine:
    """A line as a format reader found it, before its id is assigned."""

    booked_on: date
    amount: Decimal
    currency: str
    credit: bool
    bank_reference: str | None
    remittance: str
    payer_name: str | None
    payer_iban: str | None
    end_to_end_id: str | None
    source_line: int


def meaningful_reference(reference: str | None) -> str | None:
    """The reference trimmed, or None when blank or a placeholder like ``NONREF``."""
    if reference is None:
        return None
    trimmed = reference.strip()
    return trimmed if trimmed and trimmed.upper() not in _NO_REFERENCE else None


def content_digest(*parts: str) -> str:
    """A short, prefixed SHA-256 of the parts; the prefix tells it from a bank reference."""
    joined = "\x1f".join(parts).encode("utf-8")
    return "sha256:" + hashlib.sha256(joined).hexdigest()[:32]


def identify_lines(
    statement_id: str, account_id: str, lines: Sequence[UnidentifiedLine]
) -> tuple[BankLine, ...]:
    """The lines with ids assigned: bank reference (qualified on repeats) or a digest."""
    seen: Counter[str] = Counter()
    identified = []
    for index, line in enumerate(lines):
        reference = meaningful_reference(line.bank_reference)
        if reference is None:
            line_id = _digest_id(statement_id, account_id, index, line)
        else:
            seen[reference] += 1
            count = seen[reference]
            line_id = reference if count == 1 else f"{reference}#{count}"
        identified.append(_with_id(line, line_id))
    return tuple(identified)


def _digest_id(statement_id: str, account_id: str, index: int, line: UnidentifiedLine) -> str:
    return content_digest(
        statement_id,
        account_id,
        str(index),
        line.booked_on.isoformat(),
        str(line.amount),
        line.end_to_end_id or "",
        line.remittance,
    )


def _with_id(line: UnidentifiedLine, line_id: str) -> BankLine:
    return BankLine(
        line_id=line_id,
        booked_on=line.booked_on,
        amount=line.amount,
        currency=line.currency,
        credit=line.credit,
        bank_reference=line.bank_reference,
        remittance=line.remittance,
        payer_name=line.payer_name,
        payer_iban=line.payer_iban,
        end_to_end_id=line.end_to_end_id,
        source_line=line.source_line,
    )
