"""Suggestion quality: lines that must go to a person, and the right invoice among the top 3.

The generated statement hardly queues a line (see test_quality.py), so its single-invoice
payments are made unmatchable here the way real ones are: paid in part, paid by a stranger
without reference, or paid a little off by a payer known by name.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from decimal import Decimal

from o2c.domain.bank_matching import Matcher, Receipt
from o2c_devtools.synthetic_bank.generator import generate_statements
from o2c_devtools.synthetic_bank.invoices import synthetic_open_invoices
from o2c_devtools.synthetic_bank.truth import ExpectedOutcome, Scenario
from tests.bank_matching.conftest import (
    as_invoice_ref,
    as_receipt,
    customer_uuid,
    invoice_uuid,
    known_payers,
)

SINGLE = {Scenario.EXACT_REFERENCE, Scenario.NOISY_REFERENCE, Scenario.NO_REFERENCE_KNOWN_PAYER}


def _variants(line: Receipt) -> dict[str, Receipt]:
    cents = Decimal("0.01")
    return {
        "partial payment with reference": replace(
            line, amount=(line.amount * Decimal("0.6")).quantize(cents)
        ),
        "stranger, exact amount, no reference": replace(
            line, remittance="", payer_iban=None, payer_name="Someone Else Ltd"
        ),
        # (With its IBAN the payer would be certain: the line would stay on its account.)
        "payer by name, amount 0.5% off": replace(
            line,
            remittance="",
            payer_iban=None,
            amount=(line.amount * Decimal("1.005")).quantize(cents),
        ),
    }


def test_the_right_invoice_is_among_the_top_three_suggestions() -> None:
    invoices = synthetic_open_invoices(seed=5, count=10_000, customers=250)
    matcher = Matcher([as_invoice_ref(i) for i in invoices], known_payers(invoices))
    statement = generate_statements(invoices, seed=5, count=3_000, reimport=False).files[0]
    queued: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    for line, truth in zip(statement.statement.lines, statement.truth, strict=True):
        if truth.scenario not in SINGLE or truth.outcome is not ExpectedOutcome.INVOICES:
            continue
        expected = (
            customer_uuid(str(truth.customer_id)),
            (invoice_uuid(truth.invoice_numbers[0]),),
        )
        for variant, receipt in _variants(as_receipt(line)).items():
            decision = matcher.decide(receipt)
            if decision.match is not None:
                continue  # e.g. the amount 0.5 % off is another invoice's: not a queue case
            queued[variant] += 1
            top3 = [(s.customer_id, s.invoice_ids) for s in decision.suggestions[:3]]
            hits[variant] += expected in top3
    print()
    for variant in queued:
        print(
            f"  {variant:40} top-3 {hits[variant]}/{queued[variant]}"
            f" = {hits[variant] / queued[variant]:.1%}"
        )
    total = sum(hits.values()) / sum(queued.values())
    print(f"  all queued lines: top-3 {total:.1%}")
    assert total >= 0.90
