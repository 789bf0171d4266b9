"""Realistic synthetic bank statements for cash application, with the right answer kept aside.

Given open invoices, a seed and a line count, ``generate_statements`` writes one day's statement
of incoming payments as customers really make them: exact and mistyped invoice references,
several invoices in one payment, early-payment discounts taken, payments without any reference
from a known IBAN, payments on account, somebody paying another customer's invoice, a payment
made twice, an entry the bank lists twice, unrelated credits and a few debits. Next to every
line sits an ``ExpectedMatch``: which invoices it settles, or that it stays unapplied on the
customer's account, matches nothing, or is a duplicate. Optionally the same file is delivered a
second time, as banks and operators do.

The same seed gives the same statement and truth (IBANs come from schwifty's bank registry, so a
schwifty upgrade may change them). The writers in ``writers/`` put the statement into camt.053,
MT940 or BAI2 files.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from random import Random

from o2c.bank.free_text import collapse_whitespace
from o2c.bank.identity import UnidentifiedLine, identify_lines
from o2c.bank.statement import BankStatement
from o2c_devtools.synthetic_bank.parties import random_iban
from o2c_devtools.synthetic_bank.payment_planner import (
    PaymentPlanner,
    PlannedPayment,
    in_minor_units,
)
from o2c_devtools.synthetic_bank.truth import (
    ExpectedMatch,
    ExpectedOutcome,
    OpenInvoice,
    Scenario,
    SyntheticBatch,
    SyntheticFile,
)

__all__ = [
    "ExpectedMatch",
    "ExpectedOutcome",
    "OpenInvoice",
    "Scenario",
    "SyntheticBatch",
    "SyntheticFile",
    "generate_statements",
]


def generate_statements(
    invoices: Sequence[OpenInvoice],
    *,
    seed: int,
    count: int,
    currency: str = "EUR",
    booked_on: date = date(2026, 1, 15),
    account_iban: str | None = None,
    reimport: bool = True,
) -> SyntheticBatch:
    """One day's statement of ``count`` lines paying ``invoices``, and its expected matches.

    Only invoices in ``currency`` are paid. With ``reimport`` the batch ends with the same file
    delivered again, every line of which is a duplicate.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    eligible = [invoice for invoice in invoices if invoice.currency == currency]
    if not eligible and count:
        raise ValueError(f"no open invoice in {currency}")
    rng = Random(seed)
    account = account_iban or random_iban(rng)
    payments = PaymentPlanner(eligible, rng, booked_on, currency).plan(count)
    statement_id = f"ST{booked_on:%y%m%d}{seed % 10000:04d}/00001"
    statement, truth = _statement(statement_id, account, currency, booked_on, payments)
    first = SyntheticFile(statement, truth)
    if not reimport:
        return SyntheticBatch((first,))
    again = tuple(
        ExpectedMatch(
            line_id=match.line_id,
            scenario=Scenario.REIMPORTED_FILE,
            outcome=ExpectedOutcome.DUPLICATE,
            duplicate_of=match.line_id,
        )
        for match in truth
    )
    return SyntheticBatch((first, SyntheticFile(statement, again)))


def _statement(
    statement_id: str,
    account: str,
    currency: str,
    booked_on: date,
    payments: Sequence[PlannedPayment],
) -> tuple[BankStatement, tuple[ExpectedMatch, ...]]:
    drafts = []
    for sequence, payment in enumerate(payments, start=1):
        # A repeated entry is the bank listing the very same booking again, reference and all.
        reference_sequence = sequence - 1 if payment.repeats_previous else sequence
        drafts.append(
            UnidentifiedLine(
                booked_on=booked_on,
                amount=in_minor_units(payment.amount, currency),
                currency=currency,
                credit=payment.amount > 0,
                bank_reference=f"{booked_on:%y%m%d}{reference_sequence:010d}",
                remittance=collapse_whitespace(payment.remittance),
                payer_name=payment.payer_name,
                payer_iban=payment.payer_iban,
                end_to_end_id=payment.end_to_end_id,
                source_line=sequence,
            )
        )
    lines = identify_lines(statement_id, account, drafts)
    truth = []
    for index, (payment, line) in enumerate(zip(payments, lines, strict=True)):
        truth.append(
            ExpectedMatch(
                line_id=line.line_id,
                scenario=payment.scenario,
                outcome=payment.outcome,
                invoice_numbers=payment.invoice_numbers,
                customer_id=payment.customer_id,
                duplicate_of=lines[index - 1].line_id if payment.repeats_previous else None,
            )
        )
    statement = BankStatement(
        statement_id=statement_id,
        account_id=account,
        currency=currency,
        created_on=booked_on + timedelta(days=1),
        period_start=booked_on,
        period_end=booked_on,
        lines=lines,
    )
    return statement, tuple(truth)
