"""Laying statement values out in the bounded fields of the file formats."""

from __future__ import annotations

from decimal import Decimal

from o2c.domain.money import MINOR_UNITS


def amount_text(amount: Decimal, currency: str, *, decimal_separator: str = ".") -> str:
    """The unsigned amount with exactly the currency's decimals: ``1234.50``, ``1234,50``."""
    decimals = MINOR_UNITS[currency]
    return f"{abs(amount):.{decimals}f}".replace(".", decimal_separator)


def minor_units(amount: Decimal, currency: str) -> int:
    """The unsigned amount in the currency's smallest unit (cents), as BAI2 writes it."""
    return int(abs(amount).scaleb(MINOR_UNITS[currency]))


def word_chunks(text: str, width: int) -> list[str]:
    """Whole words packed into chunks of at most ``width`` characters (a longer word is cut).

    Readers join chunks with one space, so for collapsed text this is lossless as long as no
    word is longer than ``width``.
    """
    chunks: list[str] = []
    current = ""
    for word in text.split():
        while len(word) > width:
            if current:
                chunks.append(current)
                current = ""
            chunks.append(word[:width])
            word = word[width:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= width:
            current = candidate
        else:
            chunks.append(current)
            current = word
    if current:
        chunks.append(current)
    return chunks


def fixed_chunks(text: str, width: int) -> list[str]:
    """The text cut every ``width`` characters, for fields whose reader joins without a space."""
    return [text[start : start + width] for start in range(0, len(text), width)]
