"""One validator child process (Saxon, spawned) for the whole e-invoice test session; the API
client fixture for the e-invoice routes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.conftest import client
from tests.support.einvoice_validator import EInvoiceValidator

__all__ = ["client", "validator"]


@pytest.fixture(scope="session")
def validator() -> Iterator[EInvoiceValidator]:
    with EInvoiceValidator() as running:
        yield running
