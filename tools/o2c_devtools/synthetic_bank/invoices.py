"""Open invoices to feed the statement generator when no ledger is at hand (tests, benchmarks)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from random import Random

from o2c.domain.money import MINOR_UNITS
from o2c_devtools.synthetic_bank.parties import random_company_name, random_iban
from o2c_devtools.synthetic_bank.truth import OpenInvoice


def synthetic_open_invoices(
    *,
    seed: int,
    count: int,
    customers: int = 25,
    currency: str = "EUR",
    today: date = date(2026, 1, 15),
) -> list[OpenInvoice]:
    """``count`` open invoices ``INV-000001``… spread over ``customers`` customers.

    About a third offer 2 % early-payment discount, most of those still within the deadline.
    """
    rng = Random(seed)
    quantum = Decimal(1).scaleb(-MINOR_UNITS[currency])
    people = [
        (f"C{n:05d}", random_company_name(rng), random_iban(rng)) for n in range(1, customers + 1)
    ]
    invoices = []
    for number in range(1, count + 1):
        customer_id, name, iban = rng.choice(people)
        amount = (Decimal(rng.randint(5_000, 2_500_000)) * quantum).quantize(quantum)
        discount, deadline = Decimal(0), None
        if rng.random() < 0.35:
            discount = (amount * Decimal("0.02")).quantize(quantum)
            deadline = today + timedelta(days=rng.randint(-3, 10))
        invoices.append(
            OpenInvoice(
                number=f"INV-{number:06d}",
                customer_id=customer_id,
                customer_name=name,
                customer_iban=iban,
                open_amount=amount,
                currency=currency,
                discount_amount=discount,
                discount_deadline=deadline,
            )
        )
    return invoices
