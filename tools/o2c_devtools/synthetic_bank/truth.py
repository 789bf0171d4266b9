"""What the statement generator takes and what it hands back: invoices in, files and truth out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from o2c.bank.statement import BankStatement


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    """An invoice a customer still owes, as the generator needs to know it."""

    number: str
    customer_id: str
    customer_name: str
    customer_iban: str
    open_amount: Decimal
    currency: str
    discount_amount: Decimal = Decimal(0)
    discount_deadline: date | None = None


class Scenario(StrEnum):
    """How the payer made the payment behind a line."""

    EXACT_REFERENCE = "exact_reference"
    NOISY_REFERENCE = "noisy_reference"
    SEVERAL_INVOICES = "several_invoices"
    DISCOUNT_SHORT_PAYMENT = "discount_short_payment"
    NO_REFERENCE_KNOWN_PAYER = "no_reference_known_payer"
    PAYMENT_ON_ACCOUNT = "payment_on_account"
    THIRD_PARTY_PAYER = "third_party_payer"
    DOUBLE_PAYMENT = "double_payment"
    REPEATED_ENTRY = "repeated_entry"
    UNMATCHABLE = "unmatchable"
    DEBIT = "debit"
    REIMPORTED_FILE = "reimported_file"


class ExpectedOutcome(StrEnum):
    """What cash application should do with a line."""

    INVOICES = "invoices"  # settle exactly these invoices
    UNAPPLIED = "unapplied"  # the customer is known: keep the money on their account
    NO_MATCH = "no_match"  # nothing of ours: leave for a person (or not a receipt at all)
    DUPLICATE = "duplicate"  # the same entry again: must not be applied a second time


@dataclass(frozen=True, slots=True)
class ExpectedMatch:
    """The right answer for one statement line."""

    line_id: str
    scenario: Scenario
    outcome: ExpectedOutcome
    invoice_numbers: tuple[str, ...] = ()
    customer_id: str | None = None
    duplicate_of: str | None = None


@dataclass(frozen=True, slots=True)
class SyntheticFile:
    """One statement file and the expected match of each of its lines, in line order."""

    statement: BankStatement
    truth: tuple[ExpectedMatch, ...]


@dataclass(frozen=True, slots=True)
class SyntheticBatch:
    """Statement files in the order they are imported."""

    files: tuple[SyntheticFile, ...]
