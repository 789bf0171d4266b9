"""Invoice PDF render time, outside the test suite: ``python -m tests.documents.bench_rendering``.

Renders the 10-line Factur-X invoice (three VAT groups, a discount, an EPC QR code, a logo)
``N`` times (default 30, after one warm-up) and prints the median and p95 in milliseconds
and what that makes per second on one core.
"""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import replace

from o2c.documents import Language, render_invoice_pdf
from tests.documents.samples import LOGO_SVG, ten_line_invoice


def main(count: int = 30) -> None:
    document = ten_line_invoice()
    render_invoice_pdf(document, Language.DE, LOGO_SVG)
    times = []
    for index in range(count):
        # A new number each time: no cache of Typst's or ours sees the same input twice.
        numbered = replace(document, number=f"INV-{100000 + index}")
        start = time.perf_counter()
        render_invoice_pdf(numbered, Language.DE, LOGO_SVG)
        times.append((time.perf_counter() - start) * 1000)
    median = statistics.median(times)
    p95 = statistics.quantiles(times, n=20)[-1]
    print(
        f"invoice PDF (Factur-X, 10 lines): median {median:.1f} ms, p95 {p95:.1f} ms, "
        f"{1000 / median:.0f}/s on one core ({count} renders)"
    )


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:]))
