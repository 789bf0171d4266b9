"""Rendering throughput, outside the test suite: ``python -m tests.einvoice.bench_rendering``.

Renders 10-line invoices (three VAT groups, a discount) in UBL and CII and prints documents
per second for each; the product target is at least 500 per second.
"""

from __future__ import annotations

import time
from decimal import Decimal

from o2c.domain.tax import LineTax, TaxCategory
from o2c.einvoice import EInvoiceDocument, Profile, Syntax, render
from tests.einvoice.documents import build, standard


def ten_line_invoice() -> EInvoiceDocument:
    """A 10-line domestic invoice at 19 %, 7 % and zero-rated."""
    taxes = [standard(), standard("7.00"), LineTax(TaxCategory.ZERO_RATED, Decimal("0.00"))]
    items = [
        (Decimal(index + 1), Decimal("12.34") * (index + 1), taxes[index % 3])
        for index in range(10)
    ]
    return build(items, discount_percent=Decimal(2))


def throughput(syntax: Syntax, profile: Profile, seconds: float = 2.0) -> float:
    """Documents rendered per second over about ``seconds``."""
    document = ten_line_invoice()
    count = 0
    started = time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for _ in range(50):
            render(document, syntax, profile)
        count += 50
    return count / elapsed


def main() -> None:
    """Print documents/s per syntax and profile."""
    for syntax in Syntax:
        for profile in (Profile.EN16931, Profile.XRECHNUNG):
            rate = throughput(syntax, profile)
            print(f"{syntax.value:4} {profile.value:10} {rate:8.0f} documents/s")


if __name__ == "__main__":
    main()
