"""Cash forecast back-test on the demo book: forecast as of T against the receipts after T.

The demo book (a seeded year of orders, invoices, payments early, on time and late, disputes,
dunning) is loaded through the application service on PostgreSQL with its "today" pinned. At
several days T, each 13 weeks before the book ends or earlier, the forecast as of T (each open,
undisputed item on its due date plus its customer's usual days late, or on a pending promise's
date) and the naive one (each item on its due date) are compared week by week with the cash
actually applied after T to the items open on T. The figure is the mean absolute error per week
over every T; the ratio says how many times smaller the behaviour forecast's error is.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from o2c.bootstrap import build_container
from o2c.config import Settings
from o2c.demo.book import DemoBook
from o2c_devtools.bench.database import url_for
from o2c_devtools.bench.report import Figure
from o2c_devtools.bench.scales import Scale

Progress = Callable[[str], None]
WEEKS = 13
# The book's last day: a fixed date, so every run (and the docs' figures) back-tests one book.
BOOK_END = date(2026, 6, 30)
# The days T forecasts are made on: every four weeks, the last one 13 weeks before the end.
CUTOFFS = tuple(BOOK_END - timedelta(days=7 * WEEKS + 28 * i) for i in range(5))


def _demo_customers(scale: Scale) -> int:
    return max(8, min(200, scale.customers // 5))


def _mae(forecast: list[Decimal], actual: list[Decimal]) -> Decimal:
    return sum((abs(f - a) for f, a in zip(forecast, actual, strict=True)), Decimal(0)) / len(
        actual
    )


def run(dbname: str, scale: Scale, progress: Progress) -> list[Figure]:
    """Load the demo book, back-test both forecasts at each cut-off, report their errors."""
    url = url_for(dbname)
    container = build_container(
        Settings(event_store_url=url, read_store_url=url), start_webhooks=False
    )
    try:
        container.service.today = lambda: BOOK_END
        customers = _demo_customers(scale)
        progress(f"forecast: loading the demo book ({customers} customers, one year)")
        started = time.perf_counter()
        stats = DemoBook(container.service, customers=customers, seed=7, today=BOOK_END).load()
        assert container.read is not None
        if not container.read.wait_for(container.store.last_position(), 600):
            raise TimeoutError("the read models did not catch up with the demo book")
        progress(f"forecast: {stats.invoices} invoices in {time.perf_counter() - started:.0f}s")
        q = container.read.queries
        errors: dict[str, list[Decimal]] = {"behaviour": [], "due_date": []}
        received = Decimal(0)
        for cutoff in CUTOFFS:
            actual = q.receipts(as_of=cutoff, weeks=WEEKS, currency="EUR")
            received += sum(actual, Decimal(0))
            for method, found in errors.items():
                made = q.forecast(as_of=cutoff, weeks=WEEKS, currency="EUR", method=method)
                found.append(_mae([Decimal(w["expected"]) for w in made["weeks"]], actual))
    finally:
        container.close()
    ours = float(sum(errors["behaviour"]) / len(CUTOFFS))
    naive = float(sum(errors["due_date"]) / len(CUTOFFS))
    mean_week = float(received / (len(CUTOFFS) * WEEKS))
    size = f"{customers} customers, {stats.invoices} invoices, {len(CUTOFFS)} cut-offs"
    note = f"weekly receipts average {mean_week:,.0f} EUR; naive = each item on its due date"
    return [
        Figure(
            "cash forecast back-test",
            size,
            "mean abs error/week",
            ours,
            "EUR",
            baseline=naive,
            ratio=naive / ours if ours else None,
            target="< naive",
            met=ours < naive,
            note=note,
        )
    ]
