"""General-ledger postings: each AR fact as one balanced double-entry journal entry.

| fact                         | debit                         | credit                      |
|------------------------------|-------------------------------|-----------------------------|
| invoice issued               | receivable (1100)             | revenue (4000)              |
| opening balance imported     | receivable (1100)             | opening balances (3900)     |
| payment received             | bank (1000)                   | unapplied cash (2100)       |
| cash applied to an invoice   | unapplied cash (2100)         | receivable (1100)           |
| early-payment discount       | sales discounts (4900)        | receivable (1100)           |
| credit note                  | credit notes (4100)           | receivable (1100)           |
| write-off                    | bad debt expense (6800)       | receivable (1100)           |
| allocation undone            | the mirror of the application (cash and its discount)       |
| payment reversed (bounced)   | the mirror of the receipt (the cash it still had)           |

Lines name a ledger *role* (``receivable``), not an account number: the chart of accounts
(``O2C_GL_ACCOUNTS``) maps roles to numbers and names when the ledger is read, so renumbering an
account needs no replay. Cash applied (and its discount) is posted from the account's
``PaymentAllocated``/``PaymentDeallocated``, the payment's side of the fact; the invoice's
``PaymentApplied``/``DiscountTaken``/``InvoicePayment…`` record the same fact and post nothing, so
nothing is counted twice. A posting that touches receivables is dated no earlier than the
invoice's issue date, as in the aging: the receivable does not exist before it, and so the
receivable account as of any date equals the aging total as of that date.

An opening balance (an invoice imported from the system o2c replaces) was revenue in that
system's books already: it is credited to an opening-balance clearing account, which the
migration's own journal clears. Each line names its document: the receivable line of a payment,
credit note or write-off names the invoice it settles, the other line the payment, credit note
or write-off itself.

The rules are pure: the projection, the period close and the auditor's check share them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from o2c.aggregates.invoice import OPENING_BALANCE_SKU
from o2c.domain.days import to_day
from o2c.domain.money import to_mills
from o2c.events.envelope import EventEnvelope


class Role(StrEnum):
    """What a ledger account is for."""

    BANK = "bank"
    RECEIVABLE = "receivable"
    UNAPPLIED = "unapplied"
    REVENUE = "revenue"
    CREDIT_NOTES = "credit_notes"
    DISCOUNTS = "discounts"
    BAD_DEBT = "bad_debt"
    OPENING = "opening"


DEFAULT_CHART: dict[Role, tuple[str, str]] = {
    Role.BANK: ("1000", "Bank"),
    Role.RECEIVABLE: ("1100", "Accounts receivable"),
    Role.UNAPPLIED: ("2100", "Unapplied cash"),
    Role.REVENUE: ("4000", "Revenue"),
    Role.CREDIT_NOTES: ("4100", "Credit notes"),
    Role.DISCOUNTS: ("4900", "Sales discounts"),
    Role.BAD_DEBT: ("6800", "Bad debt expense"),
    Role.OPENING: ("3900", "Opening balances clearing"),
}


def parse_chart(text: str) -> dict[Role, tuple[str, str]]:
    """``"receivable=1200:Trade debtors,bank=1010"`` → the default chart with those roles
    renumbered (and renamed); an unknown role is an error that lists the known ones."""
    chart = dict(DEFAULT_CHART)
    for part in filter(None, (p.strip() for p in text.split(","))):
        role, sep, account = part.partition("=")
        number, _, name = account.partition(":")
        if not sep or not number.strip() or role.strip() not in Role.__members__.values():
            known = ", ".join(r.value for r in Role)
            raise ValueError(
                f"bad O2C_GL_ACCOUNTS entry {part!r}: want role=number[:name], roles {known}"
            )
        key = Role(role.strip())
        chart[key] = (number.strip(), name.strip() or DEFAULT_CHART[key][1])
    numbers = [number for number, _ in chart.values()]
    if len(set(numbers)) != len(numbers):
        raise ValueError("O2C_GL_ACCOUNTS gives two roles the same account number")
    return chart


@dataclass(frozen=True)
class Line:
    """One side of an entry, in mills (thousandths of the currency unit); ``document`` names
    the line's own document where it differs from the entry's."""

    role: Role
    debit: int = 0
    credit: int = 0
    document: str | None = None


@dataclass(frozen=True)
class Entry:
    """A journal entry: one fact, one posting day, lines that balance."""

    fact: str
    posting_day: int
    currency: str
    customer_id: str
    document_id: str
    lines: tuple[Line, ...]

    @property
    def balanced(self) -> bool:
        """Debits equal credits."""
        return sum(x.debit for x in self.lines) == sum(x.credit for x in self.lines)


class UnbalancedEntry(RuntimeError):
    """A posting rule produced an entry whose debits and credits differ: never store it."""


class Books(Protocol):
    """What posting needs to know beyond the event: earlier facts of the same log."""

    def currency_of(self, customer_id: str) -> str:
        """The customer's (account's) currency."""

    def issued_day_of(self, invoice_id: str) -> int:
        """The invoice's issue date as a day number."""


def _pair(
    debit: Role, credit: Role, amount: int, receivable_of: str | None = None
) -> tuple[Line, Line]:
    """Two lines; the receivable side names ``receivable_of`` (the invoice) when given."""

    def document(role: Role) -> str | None:
        return receivable_of if role is Role.RECEIVABLE else None

    return (
        Line(debit, debit=amount, document=document(debit)),
        Line(credit, credit=amount, document=document(credit)),
    )


def _is_opening(data: dict[str, object]) -> bool:
    lines = data.get("lines")
    return (
        data.get("order_id") is None
        and isinstance(lines, list)
        and bool(lines)
        and all(isinstance(x, dict) and x.get("sku") == OPENING_BALANCE_SKU for x in lines)
    )


def _day(iso: str, not_before: int | None = None) -> int:
    day = int(to_day(iso) or 0)
    return day if not_before is None else max(day, not_before)


@dataclass(frozen=True)
class _Fact:
    """One event being posted."""

    env: EventEnvelope
    books: Books

    def entry(self, fact: str, day: int, *lines: Line, document: str | None = None) -> Entry | None:
        kept = tuple(x for x in lines if x.debit or x.credit)
        if not kept:
            return None
        customer = self.env.customer_id or self.env.aggregate_id
        currency = self.books.currency_of(customer)
        made = Entry(fact, day, currency, customer, document or self.env.aggregate_id, kept)
        if not made.balanced:
            raise UnbalancedEntry(f"{self.env.event_type} at {self.env.position} does not balance")
        return made

    def on_invoice(self, field: str, invoice_id: str | None = None) -> int:
        """The business date in ``field``, not before the invoice's issue date."""
        issued = self.books.issued_day_of(invoice_id or self.env.aggregate_id)
        return _day(self.env.data[field], issued)


def post(env: EventEnvelope, books: Books) -> Entry | None:
    """The entry an event posts, or ``None`` for a fact that moves no money in the ledger."""
    d, fact = env.data, _Fact(env, books)
    match env.event_type:
        case "InvoiceIssued":
            opening = _is_opening(d)
            credit = Role.OPENING if opening else Role.REVENUE
            lines = _pair(Role.RECEIVABLE, credit, to_mills(d["total"]))
            kind = "opening_balance" if opening else "invoice"
            return fact.entry(kind, _day(d["issued_on"]), *lines)
        case "PaymentReceived":
            lines = _pair(Role.BANK, Role.UNAPPLIED, to_mills(d["amount"]))
            return fact.entry("payment", _day(d["received_on"]), *lines, document=d["payment_id"])
        case "PaymentReversed":
            lines = _pair(Role.UNAPPLIED, Role.BANK, to_mills(d["amount"]))
            day = _day(d["reversed_on"])
            return fact.entry("payment_reversal", day, *lines, document=d["payment_id"])
        case "PaymentAllocated" | "PaymentDeallocated":
            return _cash_applied(fact)
        case "CreditNoteApplied":
            invoice = env.aggregate_id
            lines = _pair(Role.CREDIT_NOTES, Role.RECEIVABLE, to_mills(d["amount"]), invoice)
            day = fact.on_invoice("issued_on")
            return fact.entry("credit_note", day, *lines, document=str(d["credit_note_id"]))
        case "InvoiceWrittenOff":
            invoice = env.aggregate_id
            lines = _pair(Role.BAD_DEBT, Role.RECEIVABLE, to_mills(d["amount"]), invoice)
            day = fact.on_invoice("written_off_on")
            return fact.entry("write_off", day, *lines, document=str(d["write_off_id"]))
    return None


def _cash_applied(fact: _Fact) -> Entry | None:
    """Cash (and the discount it earned) moved onto an invoice, or taken back off it."""
    d = fact.env.data
    cash, discount = to_mills(d["amount"]), to_mills(d["discount"])
    undone = fact.env.event_type == "PaymentDeallocated"
    day = fact.on_invoice("deallocated_on" if undone else "allocated_on", d["invoice_id"])
    applied = (
        Line(Role.UNAPPLIED, debit=cash),
        Line(Role.DISCOUNTS, debit=discount),
        Line(Role.RECEIVABLE, credit=cash + discount, document=str(d["invoice_id"])),
    )
    if undone:
        mirrored = tuple(
            Line(x.role, debit=x.credit, credit=x.debit, document=x.document) for x in applied
        )
        return fact.entry("deallocation", day, *mirrored, document=d["payment_id"])
    return fact.entry("cash_applied", day, *applied, document=d["payment_id"])
