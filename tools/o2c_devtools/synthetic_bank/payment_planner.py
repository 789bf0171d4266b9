"""Planning the payments of a synthetic statement: which scenario, which invoices, what text.

Each scenario is drawn by weight and turned into the line (or, for a double payment or an
entry the bank repeats, the two lines) a bank would show for it, together with the expected
outcome. Invoices are used up as they are paid; once none fits, a scenario gives way to an
unrelated credit or a debit so the line count stays exact.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from random import Random

from o2c.bank.free_text import collapse_whitespace
from o2c.bank.iban import valid_iban
from o2c.domain.money import MINOR_UNITS
from o2c_devtools.synthetic_bank.parties import random_company_name, random_iban
from o2c_devtools.synthetic_bank.reference_noise import (
    decorated,
    generic_remittance,
    noisy_reference,
    several_references,
    unrelated_remittance,
)
from o2c_devtools.synthetic_bank.truth import ExpectedOutcome, OpenInvoice, Scenario

# MT940 carries 54 characters of payer name (?32 and ?33); banks cut longer names there.
_MAX_PAYER_NAME = 54
_NAME_CHARACTERS = re.compile(r"[^A-Za-z0-9 .&'()+-]")


@dataclass(frozen=True, slots=True)
class PlannedPayment:
    """A line as planned, before the bank assigns references and ids."""

    scenario: Scenario
    outcome: ExpectedOutcome
    amount: Decimal
    remittance: str
    payer_name: str | None
    payer_iban: str | None
    end_to_end_id: str | None
    invoice_numbers: tuple[str, ...] = ()
    customer_id: str | None = None
    repeats_previous: bool = False


_WEIGHTS: dict[Scenario, int] = {
    Scenario.EXACT_REFERENCE: 30,
    Scenario.NOISY_REFERENCE: 18,
    Scenario.SEVERAL_INVOICES: 8,
    Scenario.DISCOUNT_SHORT_PAYMENT: 7,
    Scenario.NO_REFERENCE_KNOWN_PAYER: 7,
    Scenario.PAYMENT_ON_ACCOUNT: 4,
    Scenario.THIRD_PARTY_PAYER: 6,
    Scenario.DOUBLE_PAYMENT: 3,
    Scenario.REPEATED_ENTRY: 3,
    Scenario.UNMATCHABLE: 6,
    Scenario.DEBIT: 8,
}


# Scenarios that show as two lines on the statement.
_TWO_LINES = frozenset({Scenario.DOUBLE_PAYMENT, Scenario.REPEATED_ENTRY})


class PaymentPlanner:
    """Draws scenarios and turns each into the line(s) a bank would show for it."""

    def __init__(
        self, invoices: Sequence[OpenInvoice], rng: Random, booked_on: date, currency: str
    ) -> None:
        self._rng = rng
        self._booked_on = booked_on
        self._currency = currency
        self._all = list(invoices)
        self._open = list(invoices)
        rng.shuffle(self._open)
        self._by_customer: dict[str, list[OpenInvoice]] = defaultdict(list)
        for invoice in invoices:
            self._by_customer[invoice.customer_id].append(invoice)

    def plan(self, count: int) -> list[PlannedPayment]:
        """``count`` planned lines."""
        payments: list[PlannedPayment] = []
        builders = self._builders()
        scenarios = list(_WEIGHTS)
        weights = list(_WEIGHTS.values())
        while len(payments) < count:
            scenario = self._rng.choices(scenarios, weights)[0]
            room_for_two = count - len(payments) >= 2
            built = builders[scenario]() if room_for_two or scenario not in _TWO_LINES else []
            payments.extend(built or self._fallback())
        return payments

    def _builders(self) -> dict[Scenario, Callable[[], list[PlannedPayment]]]:
        return {
            Scenario.EXACT_REFERENCE: self._exact_reference,
            Scenario.NOISY_REFERENCE: self._noisy_reference,
            Scenario.SEVERAL_INVOICES: self._several_invoices,
            Scenario.DISCOUNT_SHORT_PAYMENT: self._discount_short_payment,
            Scenario.NO_REFERENCE_KNOWN_PAYER: self._no_reference_known_payer,
            Scenario.PAYMENT_ON_ACCOUNT: self._payment_on_account,
            Scenario.THIRD_PARTY_PAYER: self._third_party_payer,
            Scenario.DOUBLE_PAYMENT: self._double_payment,
            Scenario.REPEATED_ENTRY: self._repeated_entry,
            Scenario.UNMATCHABLE: self._unmatchable,
            Scenario.DEBIT: self._debit,
        }

    def _fallback(self) -> list[PlannedPayment]:
        # Always possible, one line: keeps the count exact once invoices run out.
        return self._unmatchable() if self._rng.random() < 0.5 else self._debit()

    def _take(self, accept: Callable[[OpenInvoice], bool] = lambda _: True) -> OpenInvoice | None:
        for index, invoice in enumerate(self._open):
            if accept(invoice):
                return self._open.pop(index)
        return None

    def _e2e(self) -> str | None:
        if self._rng.random() < 0.3:
            return None
        return f"E2E-{self._rng.getrandbits(48):012X}"

    def _paid(
        self,
        scenario: Scenario,
        invoices: Sequence[OpenInvoice],
        amount: Decimal,
        remittance: str,
        *,
        payer: OpenInvoice | None = None,
        end_to_end_id: str | None = None,
    ) -> PlannedPayment:
        """A payment of ``invoices``; ``end_to_end_id`` None draws the payer's own id."""
        payer = payer or invoices[0]
        return PlannedPayment(
            scenario=scenario,
            outcome=ExpectedOutcome.INVOICES,
            amount=amount,
            remittance=remittance,
            payer_name=_as_bank_passes_on(payer.customer_name),
            payer_iban=_iban(payer.customer_iban),
            end_to_end_id=end_to_end_id if end_to_end_id is not None else self._e2e(),
            invoice_numbers=tuple(invoice.number for invoice in invoices),
            customer_id=invoices[0].customer_id,
        )

    def _exact_reference(self) -> list[PlannedPayment]:
        invoice = self._take()
        if invoice is None:
            return []
        if self._rng.random() < 0.15:
            # Some payers put the invoice number only in the end-to-end id.
            return [
                self._paid(
                    Scenario.EXACT_REFERENCE,
                    [invoice],
                    invoice.open_amount,
                    generic_remittance(self._rng),
                    end_to_end_id=invoice.number,
                )
            ]
        remittance = decorated(invoice.number, self._rng)
        return [self._paid(Scenario.EXACT_REFERENCE, [invoice], invoice.open_amount, remittance)]

    def _noisy_reference(self) -> list[PlannedPayment]:
        invoice = self._take()
        if invoice is None:
            return []
        remittance = decorated(noisy_reference(invoice.number, self._rng), self._rng)
        return [self._paid(Scenario.NOISY_REFERENCE, [invoice], invoice.open_amount, remittance)]

    def _several_invoices(self) -> list[PlannedPayment]:
        first = self._take()
        if first is None:
            return []
        same_customer = [i for i in self._open if i.customer_id == first.customer_id]
        others = same_customer[: self._rng.randint(1, 2)]
        if not others:
            self._open.append(first)
            return []
        for invoice in others:
            self._open.remove(invoice)
        paid = [first, *others]
        remittance = several_references([invoice.number for invoice in paid], self._rng)
        amount = sum((invoice.open_amount for invoice in paid), Decimal(0))
        return [self._paid(Scenario.SEVERAL_INVOICES, paid, amount, remittance)]

    def _discount_short_payment(self) -> list[PlannedPayment]:
        invoice = self._take(
            lambda i: (
                i.discount_amount > 0
                and i.discount_deadline is not None
                and i.discount_deadline >= self._booked_on
            )
        )
        if invoice is None:
            return []
        amount = invoice.open_amount - invoice.discount_amount
        remittance = decorated(invoice.number, self._rng) + " abzgl. Skonto"
        return [self._paid(Scenario.DISCOUNT_SHORT_PAYMENT, [invoice], amount, remittance)]

    def _no_reference_known_payer(self) -> list[PlannedPayment]:
        # Only an amount that names one invoice of the payer can be matched without reference.
        invoice = self._take(lambda i: self._amount_is_unique(i))
        if invoice is None:
            return []
        remittance = generic_remittance(self._rng)
        return [
            self._paid(
                Scenario.NO_REFERENCE_KNOWN_PAYER, [invoice], invoice.open_amount, remittance
            )
        ]

    def _amount_is_unique(self, invoice: OpenInvoice) -> bool:
        amounts = [i.open_amount for i in self._by_customer[invoice.customer_id]]
        return amounts.count(invoice.open_amount) == 1

    def _payment_on_account(self) -> list[PlannedPayment]:
        customer = self._rng.choice(self._all) if self._all else None
        if customer is None:
            return []
        owed = {i.open_amount for i in self._by_customer[customer.customer_id]}
        round_sum = Decimal(self._rng.choice((250, 500, 1000, 2000, 5000)))
        amount = in_minor_units(round_sum, self._currency)
        if amount in owed:
            return []
        return [
            PlannedPayment(
                scenario=Scenario.PAYMENT_ON_ACCOUNT,
                outcome=ExpectedOutcome.UNAPPLIED,
                amount=amount,
                remittance=self._rng.choice(("Akonto", "Anzahlung", "payment on account", "")),
                payer_name=_as_bank_passes_on(customer.customer_name),
                payer_iban=_iban(customer.customer_iban),
                end_to_end_id=self._e2e(),
                customer_id=customer.customer_id,
            )
        ]

    def _third_party_payer(self) -> list[PlannedPayment]:
        invoice = self._take()
        if invoice is None:
            return []
        payers = [i for i in self._all if i.customer_id != invoice.customer_id]
        if not payers:
            self._open.append(invoice)
            return []
        payer = self._rng.choice(payers)
        written = self._rng.choice((invoice.number, noisy_reference(invoice.number, self._rng)))
        remittance = decorated(written, self._rng)
        return [
            self._paid(
                Scenario.THIRD_PARTY_PAYER, [invoice], invoice.open_amount, remittance, payer=payer
            )
        ]

    def _double_payment(self) -> list[PlannedPayment]:
        invoice = self._take()
        if invoice is None:
            return []
        remittance = decorated(invoice.number, self._rng)
        first = self._paid(Scenario.DOUBLE_PAYMENT, [invoice], invoice.open_amount, remittance)
        # The second transfer is a new payment (its own references); the invoice is already
        # settled, so the money stays on the customer's account.
        second = replace(
            first,
            outcome=ExpectedOutcome.UNAPPLIED,
            invoice_numbers=(),
            end_to_end_id=self._e2e(),
        )
        return [first, second]

    def _repeated_entry(self) -> list[PlannedPayment]:
        invoice = self._take()
        if invoice is None:
            return []
        remittance = decorated(invoice.number, self._rng)
        first = self._paid(Scenario.REPEATED_ENTRY, [invoice], invoice.open_amount, remittance)
        again = replace(
            first, outcome=ExpectedOutcome.DUPLICATE, invoice_numbers=(), repeats_previous=True
        )
        return [first, again]

    def _unmatchable(self) -> list[PlannedPayment]:
        return [
            PlannedPayment(
                scenario=Scenario.UNMATCHABLE,
                outcome=ExpectedOutcome.NO_MATCH,
                amount=self._random_amount(),
                remittance=unrelated_remittance(self._rng),
                payer_name=random_company_name(self._rng),
                payer_iban=random_iban(self._rng),
                end_to_end_id=self._e2e(),
            )
        ]

    def _debit(self) -> list[PlannedPayment]:
        if self._rng.random() < 0.5:
            fee = Decimal(1250).scaleb(-MINOR_UNITS[self._currency])
            return [
                PlannedPayment(
                    Scenario.DEBIT,
                    ExpectedOutcome.NO_MATCH,
                    -fee,
                    "Kontofuehrungsentgelt",
                    payer_name=None,
                    payer_iban=None,
                    end_to_end_id=None,
                )
            ]
        supplier_payment = PlannedPayment(
            scenario=Scenario.DEBIT,
            outcome=ExpectedOutcome.NO_MATCH,
            amount=-self._random_amount(),
            remittance=f"Lieferantenzahlung {self._rng.randint(100, 999)}",
            payer_name=random_company_name(self._rng),
            payer_iban=random_iban(self._rng),
            end_to_end_id=self._e2e(),
        )
        return [supplier_payment]

    def _random_amount(self) -> Decimal:
        return Decimal(self._rng.randint(1_000, 2_000_000)).scaleb(-MINOR_UNITS[self._currency])


def _as_bank_passes_on(name: str) -> str:
    """The payer's name as banks forward it: plain characters, at most 54 of them."""
    cleaned = collapse_whitespace(_NAME_CHARACTERS.sub("", name))
    return cleaned[:_MAX_PAYER_NAME].rstrip()


def _iban(value: str) -> str:
    iban = valid_iban(value)
    if iban is None:
        raise ValueError(f"customer IBAN {value!r} is not valid")
    return iban


def in_minor_units(amount: Decimal, currency: str) -> Decimal:
    """The amount with exactly the currency's decimals, as every statement reader returns it."""
    quantum = Decimal(1).scaleb(-MINOR_UNITS[currency])
    result = amount.quantize(quantum)
    if result != amount:
        raise ValueError(f"amount {amount} has more decimals than {currency} allows")
    return result
