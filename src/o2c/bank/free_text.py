"""Canonical form of the free text a bank passes on (remittance, names).

Every format wraps long text differently (MT940 at 65 columns, BAI2 in continuation records,
camt in several ``Ustrd`` elements), so the same payment read from two formats only compares
equal once runs of whitespace are collapsed.
"""

from __future__ import annotations


def collapse_whitespace(text: str | None) -> str:
    """The text with runs of whitespace made one space and the ends trimmed; ``""`` for None."""
    return " ".join(text.split()) if text else ""


def text_or_none(text: str | None) -> str | None:
    """Like ``collapse_whitespace`` but ``None`` when nothing is left."""
    return collapse_whitespace(text) or None
