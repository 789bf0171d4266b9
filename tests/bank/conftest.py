"""Shared inputs for the bank statement tests: the sample files and a book of open invoices."""

from __future__ import annotations

from pathlib import Path

import pytest

from o2c_devtools.synthetic_bank.invoices import synthetic_open_invoices
from o2c_devtools.synthetic_bank.truth import OpenInvoice

SAMPLES = Path(__file__).parent.parent / "fixtures" / "bank"


def sample(name: str) -> bytes:
    """The bytes of a sample statement in tests/fixtures/bank/."""
    return (SAMPLES / name).read_bytes()


@pytest.fixture(scope="session")
def open_invoices() -> list[OpenInvoice]:
    """Enough open invoices, over a few dozen customers, for any generated statement here."""
    return synthetic_open_invoices(seed=11, count=1500, customers=60)
