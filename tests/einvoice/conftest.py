"""One validator child process (Saxon, spawned) for the whole e-invoice test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.einvoice_validator import EInvoiceValidator


@pytest.fixture(scope="session")
def validator() -> Iterator[EInvoiceValidator]:
    with EInvoiceValidator() as running:
        yield running
