"""How payers actually write invoice references: the noise a matcher has to see through."""

from __future__ import annotations

import re
from collections.abc import Sequence
from random import Random

_DIGITS = re.compile(r"\d+")


def invoice_digits(number: str) -> str:
    """The number part of an invoice number, leading zeros kept: ``INV-000123`` → ``000123``."""
    found = _DIGITS.findall(number)
    if not found:
        raise ValueError(f"invoice number {number!r} has no digits")
    return str(found[-1])


def noisy_reference(number: str, rng: Random) -> str:
    """The invoice number as a careless payer types it: ``INV 123``, ``000123``, ``Rechnung 1``…"""
    digits = invoice_digits(number)
    short = str(int(digits))
    variants = (
        f"INV {short}",
        number.lower(),
        digits,
        f"Rechnung {short}",
        f"Invoice no. {short}",
        number.replace("-", ""),
        f"RE-NR. {digits}",
        f"Inv.{short}",
    )
    return rng.choice(variants)


def several_references(numbers: Sequence[str], rng: Random) -> str:
    """Several invoices in one remittance: ``INV-000123 INV-000124``, ``Rechnungen 123, 124``…"""
    shorts = [str(int(invoice_digits(number))) for number in numbers]
    variants = (
        " ".join(numbers),
        ", ".join(numbers),
        "Rechnungen " + ", ".join(shorts),
        f"{numbers[0]} " + " ".join(shorts[1:]),
        " + ".join(numbers),
    )
    return rng.choice(variants)


def decorated(reference: str, rng: Random) -> str:
    """The reference with the words payers put around it, sometimes none."""
    prefix = rng.choice(("", "", "Payment ", "Zahlung ", "Ihre Rechnung ", "Re: "))
    suffix = rng.choice(("", "", "", " Danke", " Kd-Nr 4711", " thank you"))
    return f"{prefix}{reference}{suffix}"


def generic_remittance(rng: Random) -> str:
    """Remittance text that names no invoice, often none at all."""
    return rng.choice(("", "", "Zahlung", "Payment", "Ueberweisung", "Rechnungsbetrag"))


def unrelated_remittance(rng: Random) -> str:
    """Text of a payment that has nothing to do with our invoices."""
    return rng.choice(
        (
            f"Erstattung Kaution {rng.randint(1000, 9999)}",
            f"Refund order {rng.randint(10000, 99999)}",
            "Zinsgutschrift",
            f"Gutschrift Bonus {rng.randint(2020, 2026)}",
            f"Vertrag {rng.randint(100000, 999999)} Rate",
            "",
        )
    )
