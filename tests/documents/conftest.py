"""One validator child process (Saxon, spawned) for the document tests' Factur-X XML."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.einvoice_validator import EInvoiceValidator


@pytest.fixture(scope="session")
def validator() -> Iterator[EInvoiceValidator]:
    with EInvoiceValidator() as running:
        yield running
