"""Sizes of every scenario at ``--scale smoke|medium|full|large``."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Scale:
    """How much work each scenario does; every count grows together so cost vs size shows."""

    name: str
    customers: int  # write path: accounts, each with orders → events
    orders_per_customer: int
    aging_customers: int
    aging_items_per_customer: int
    aging_requests: int
    e2e_seconds: float
    e2e_rate: int
    rebuild_events: int
    library_sample: int
    # Defaults so that scenarios building an ad-hoc Scale (the rebuild fill) need not name them.
    big_settled: int = 0  # big customer: invoices booked and settled by payments
    big_open: int = 0  # big customer: invoices still open
    big_samples: int = 0  # timed rounds of each command on each customer
    gl_export_lines: int = 0  # general-ledger export: journal lines generated and exported
    aging_p95_ms: float = 100.0  # the portfolio aging target at this size
    aging_replay: bool = True  # also answer by replaying every event (too slow at "large")


_SIZES = {
    "smoke": Scale("smoke", 20, 2, 50, 5, 30, 2.0, 200, 2_000, 200, 300, 100, 20),
    "medium": Scale("medium", 200, 3, 1_000, 25, 200, 5.0, 200, 50_000, 1_000, 10_000, 1_000, 50),
    "full": Scale(
        "full", 1_000, 4, 10_000, 25, 500, 15.0, 200, 1_000_000, 2_000, 100_000, 10_000, 100
    ),
}

# Journal lines the general-ledger export scenario generates and streams at each scale.
_GL_EXPORT_LINES = {"smoke": 20_000, "medium": 200_000, "full": 1_000_000}

SCALES = {
    name: replace(scale, gl_export_lines=_GL_EXPORT_LINES[name]) for name, scale in _SIZES.items()
}
# Ten times the full book for portfolio aging (100,000 customers, 2,500,000 open items); the
# other scenarios run as at "full". Replaying ~7.5 million events for the comparison would take
# longer than the rest of the run: the answer is checked against the booked total instead.
SCALES["large"] = replace(
    SCALES["full"], name="large", aging_customers=100_000, aging_p95_ms=150.0, aging_replay=False
)
