"""The matcher on a generated statement: 5,000 lines over 10,000 open invoices, scored by the truth.

Run with ``-s`` to see the figures per scenario. Speed is printed, never asserted: a loaded CI
machine must not fail a correct matcher.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict

import pytest

from o2c.domain.bank_matching import Matcher
from o2c_devtools.synthetic_bank.generator import generate_statements
from o2c_devtools.synthetic_bank.invoices import synthetic_open_invoices
from o2c_devtools.synthetic_bank.truth import ExpectedOutcome
from tests.bank_matching.conftest import (
    as_invoice_ref,
    as_receipt,
    customer_uuid,
    invoice_uuid,
    known_payers,
)

# 250 customers of about 40 open invoices each. (Far more customers than that and the
# generator's "unrelated" payers start to draw customers' own IBANs: see the report.)
CUSTOMERS = 250


@pytest.mark.parametrize("seed", [7, 2026])
def test_generated_statement_is_matched_as_the_truth_says(seed: int) -> None:
    invoices = synthetic_open_invoices(seed=seed, count=10_000, customers=CUSTOMERS)
    started = time.perf_counter()
    matcher = Matcher([as_invoice_ref(i) for i in invoices], known_payers(invoices))
    indexing = time.perf_counter() - started
    statement = generate_statements(invoices, seed=seed, count=5_000, reimport=False).files[0]

    figures: dict[str, Counter[str]] = defaultdict(Counter)
    wrong: list[str] = []
    deciding = 0.0
    decided = 0
    for line, truth in zip(statement.statement.lines, statement.truth, strict=True):
        if truth.outcome is ExpectedOutcome.DUPLICATE or not line.credit:
            continue  # line identity is the import's job; debits are not cash to apply
        receipt = as_receipt(line)
        started = time.perf_counter()
        decision = matcher.decide(receipt)
        deciding += time.perf_counter() - started
        decided += 1
        counts = figures[truth.scenario.value]
        counts["lines"] += 1
        expected_ids = {invoice_uuid(number) for number in truth.invoice_numbers}
        expected_customer = customer_uuid(truth.customer_id) if truth.customer_id else None
        if decision.match is not None:
            matcher.applied(decision.match)
            counts["applied"] += 1
            got = {allocation.invoice_id for allocation in decision.match.allocations}
            if (
                truth.outcome is ExpectedOutcome.NO_MATCH
                or got != expected_ids
                or decision.match.customer_id != expected_customer
            ):
                counts["wrong"] += 1
                wrong.append(f"{truth} -> {decision.match}")
        elif truth.outcome is not ExpectedOutcome.NO_MATCH:
            counts["queued"] += 1
            top3 = {(s.customer_id, frozenset(s.invoice_ids)) for s in decision.suggestions[:3]}
            counts["top3"] += (expected_customer, frozenset(expected_ids)) in top3

    matchable = sum(c["lines"] for s, c in figures.items() if s not in ("unmatchable", "debit"))
    applied = sum(c["applied"] for s, c in figures.items() if s not in ("unmatchable", "debit"))
    queued = sum(c["queued"] for c in figures.values())
    top3 = sum(c["top3"] for c in figures.values())
    print(
        f"\nseed {seed}: index {indexing * 1000:.0f} ms, decide {decided / deciding:,.0f} lines/s"
    )
    for scenario, counts in sorted(figures.items()):
        print(f"  {scenario:26} {dict(counts)}")
    auto = applied / matchable
    print(
        f"  auto-applied {applied}/{matchable} = {auto:.2%}, wrong {len(wrong)}, "
        f"top-3 {top3}/{queued}" + (f" = {top3 / queued:.0%}" if queued else "")
    )
    assert not wrong, "\n".join(wrong)
    assert auto >= 0.95
    assert queued == 0 or top3 / queued >= 0.90
