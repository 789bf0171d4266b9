"""Sizes of every scenario at ``--scale tiny|smoke|medium|full|large``."""

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
    bank_lines: int = 0  # bank: statement lines (the invoices and customers grow with them)
    billing_customers: int = 0  # billing run: periodic customers invoiced by one monthly run
    bank_formats: tuple[str, ...] = ("camt.053", "mt940", "bai2")  # each on a book of its own
    scale_out_layouts: tuple[tuple[int, int], ...] = ((1, 1), (2, 2))  # (API instances, projectors)
    rebuild_round: int = 200  # rebuild: customers (25 open items each) imported per fill round
    aging_p95_ms: float = 100.0  # the portfolio aging target at this size
    aging_replay: bool = True  # also answer by replaying every event (too slow at "large")
    documents: int = 0  # documents: invoices issued with their PDF and sent over SMTP


_SIZES = {
    # Every step of every scenario once, on the least data that still yields each figure: the
    # tests run it to show each scenario still works; its figures measure nothing. One statement
    # format (the others take the same path), only the layout with several of each process.
    "tiny": replace(
        Scale("tiny", 8, 1, 20, 2, 10, 0.5, 40, 1, 50, 40, 10, 3),
        bank_formats=("camt.053",),
        scale_out_layouts=((2, 2),),
        rebuild_round=10,
    ),
    "smoke": Scale("smoke", 20, 2, 50, 5, 30, 2.0, 200, 2_000, 200, 300, 100, 20),
    "medium": Scale("medium", 200, 3, 1_000, 25, 200, 5.0, 200, 50_000, 1_000, 10_000, 1_000, 50),
    "full": Scale(
        "full", 1_000, 4, 10_000, 25, 500, 15.0, 200, 1_000_000, 2_000, 100_000, 10_000, 100
    ),
}

# Journal lines the general-ledger export scenario generates and streams at each scale.
_GL_EXPORT_LINES = {"tiny": 500, "smoke": 20_000, "medium": 200_000, "full": 1_000_000}
_BANK_LINES = {"tiny": 40, "smoke": 300, "medium": 1_500, "full": 5_000}
_BILLING_CUSTOMERS = {"tiny": 8, "smoke": 100, "medium": 1_000, "full": 10_000}

_DOCUMENTS = {"tiny": 4, "smoke": 40, "medium": 1_000, "full": 10_000}

SCALES = {
    name: replace(
        scale,
        gl_export_lines=_GL_EXPORT_LINES[name],
        bank_lines=_BANK_LINES[name],
        billing_customers=_BILLING_CUSTOMERS[name],
        documents=_DOCUMENTS[name],
    )
    for name, scale in _SIZES.items()
}
# Ten times the full book for portfolio aging (100,000 customers, 2,500,000 open items); the
# other scenarios run as at "full". Replaying ~7.5 million events for the comparison would take
# longer than the rest of the run: the answer is checked against the booked total instead.
SCALES["large"] = replace(
    SCALES["full"], name="large", aging_customers=100_000, aging_p95_ms=150.0, aging_replay=False
)
