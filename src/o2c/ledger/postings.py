"""General-ledger postings: each AR fact as one balanced double-entry journal entry.

| fact                       | debit                            | credit                         |
|----------------------------|----------------------------------|--------------------------------|
| invoice issued             | receivable (1100) gross          | revenue (4000) net + output    |
|                            |                                  | tax (2200), per group          |
| opening balance imported   | receivable (1100)                | opening balances (3900)        |
| payment received           | bank (1000)                      | unapplied cash (2100)          |
| cash applied to an invoice | unapplied cash (2100)            | receivable (1100)              |
| early-payment discount     | sales discounts (4900) gross     | receivable (1100)              |
| its tax (DiscountTaken)    | output tax (2200), per group     | sales discounts (4900)         |
| credit note                | credit notes (4100) net + output | receivable (1100) gross        |
|                            | tax (2200), per group            |                                |
| write-off, tax relief      | bad debt (6800) net + output tax | receivable (1100) gross        |
|                            | (2200), per group                |                                |
| write-off, no relief       | bad debt expense (6800) gross    | receivable (1100)              |
| allocation undone          | the mirror of the application (cash and its discount)             |
| payment reversed (bounced) | the mirror of the receipt (the cash it still had)                 |

A *group* is one (category, rate) row of the fact's own VAT breakdown (``tax_breakdown``);
revenue, credit-note, bad-debt and output-tax lines of a group carry its category and rate as a
dimension of the line (``Line.category``, ``Line.rate``), so the accounts stay one per role and
the trial balance is unchanged, while the journal shows revenue and tax per category and rate.
Facts recorded before taxes (no breakdown) post exactly as they always did, gross. Each taxed
fact also states its *tax movements* (``Entry.tax``): per group, the signed taxable amount and
tax it adds to the VAT return, whose tax always equals the entry's output-tax lines.

Lines name a ledger *role* (``receivable``), not an account number: the chart of accounts
(``O2C_GL_ACCOUNTS``) maps roles to numbers and names when the ledger is read, so renumbering an
account needs no replay. Cash applied (and its discount) is posted from the account's
``PaymentAllocated``/``PaymentDeallocated``, the payment's side of the fact; the invoice's
``PaymentApplied``/``InvoicePayment…`` record the same fact and post nothing, so nothing is
counted twice. The invoice's ``DiscountTaken`` posts only what the payment's side cannot know:
the tax part of a taxed discount, moved out of sales discounts into output tax (the ledger
remembers it, ``Books.discount_tax_of``, so that an undone allocation gives it back).

A posting that touches receivables is dated no earlier than the invoice's issue date, as in the
aging: the receivable does not exist before it, and so the receivable account as of any date
equals the aging total as of that date.

An opening balance (an invoice imported from the system o2c replaces) was revenue in that
system's books already: it is credited to an opening-balance clearing account, which the
migration's own journal clears. Each line names its document: the receivable line of a payment,
credit note or write-off names the invoice it settles, the other line the payment, credit note
or write-off itself.

The rules are pure: the projection, the period close and the auditor's check share them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from o2c.aggregates.invoice import OPENING_BALANCE_SKU
from o2c.domain.days import to_day
from o2c.domain.money import to_mills
from o2c.domain.tax import TaxCategory, TaxGroup, split_gross
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
    OUTPUT_TAX = "output_tax"


DEFAULT_CHART: dict[Role, tuple[str, str]] = {
    Role.BANK: ("1000", "Bank"),
    Role.RECEIVABLE: ("1100", "Accounts receivable"),
    Role.UNAPPLIED: ("2100", "Unapplied cash"),
    Role.REVENUE: ("4000", "Revenue"),
    Role.CREDIT_NOTES: ("4100", "Credit notes"),
    Role.DISCOUNTS: ("4900", "Sales discounts"),
    Role.BAD_DEBT: ("6800", "Bad debt expense"),
    Role.OPENING: ("3900", "Opening balances clearing"),
    Role.OUTPUT_TAX: ("2200", "Output tax"),
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
    the line's own document where it differs from the entry's; ``category`` and ``rate`` (a
    two-decimal percentage, ``"19.00"``) the tax group a revenue, credit-note, bad-debt or
    output-tax line belongs to."""

    role: Role
    debit: int = 0
    credit: int = 0
    document: str | None = None
    category: str | None = None
    rate: str | None = None


@dataclass(frozen=True)
class TaxMovement:
    """What one fact adds to the VAT return in one (category, rate) group, in mills: positive
    for an invoice, negative for what a credit note, a discount or a relieved write-off takes
    back."""

    category: str
    rate: str
    taxable: int
    tax: int


@dataclass(frozen=True)
class Entry:
    """A journal entry: one fact, one posting day, lines that balance."""

    fact: str
    posting_day: int
    currency: str
    customer_id: str
    document_id: str
    lines: tuple[Line, ...]
    tax: tuple[TaxMovement, ...] = ()

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

    def discount_tax_of(self, invoice_id: str, payment_id: str) -> tuple[TaxMovement, ...]:
        """The tax split (positive parts) of the discount ``payment_id`` earned on the invoice
        and still holds: empty when it earned none, or one recorded before taxes."""


def discount_tax_held(env: EventEnvelope, books: Books) -> tuple[str, str, tuple[TaxMovement, ...]]:
    """(invoice, payment, split) a ledger remembers after ``env`` for ``Books.discount_tax_of``:
    a taxed ``DiscountTaken`` adds its split, a ``PaymentDeallocated`` takes off what it gave
    back. Call it for those two event types only, after posting the event."""
    d = env.data
    if env.event_type == "DiscountTaken":
        invoice, payment = env.aggregate_id, str(d["payment_id"])
        held = books.discount_tax_of(invoice, payment)
        return invoice, payment, _plus(held, _groups(d) or ())
    invoice, payment = str(d["invoice_id"]), str(d["payment_id"])
    held = books.discount_tax_of(invoice, payment)
    given = _given_back(held, to_mills(d["discount"]), books.currency_of(_customer(env)))
    return invoice, payment, _plus(held, _less(given))


def _customer(env: EventEnvelope) -> str:
    return env.customer_id or env.aggregate_id


def _plus(a: Iterable[TaxMovement], b: Iterable[TaxMovement]) -> tuple[TaxMovement, ...]:
    """Two splits added per (category, rate); groups that come to nothing are dropped."""
    summed: dict[tuple[str, str], tuple[int, int]] = {}
    for m in (*a, *b):
        taxable, tax = summed.get((m.category, m.rate), (0, 0))
        summed[(m.category, m.rate)] = (taxable + m.taxable, tax + m.tax)
    return tuple(TaxMovement(c, r, n, t) for (c, r), (n, t) in summed.items() if n or t)


def _given_back(
    held: tuple[TaxMovement, ...], discount: int, currency: str
) -> tuple[TaxMovement, ...]:
    """The part of a held discount split that ``discount`` (mills, gross) gives back: all of it
    when it is the whole discount, else its share of each group, split as the discount was."""
    whole = sum(m.taxable + m.tax for m in held)
    if not held or discount <= 0:
        return ()
    if discount >= whole:
        return held
    groups = [
        TaxGroup(TaxCategory(m.category), Decimal(m.rate), _amount(m.taxable), _amount(m.tax))
        for m in held
    ]
    return tuple(
        TaxMovement(g.category.value, _rate(g.rate), to_mills(g.taxable), to_mills(g.tax))
        for g in split_gross(_amount(discount), groups, currency)
    )


def _amount(mills: int) -> Decimal:
    return Decimal(mills) / 1000


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

    def entry(
        self,
        fact: str,
        day: int,
        *lines: Line,
        document: str | None = None,
        tax: tuple[TaxMovement, ...] = (),
    ) -> Entry | None:
        kept = tuple(x for x in lines if x.debit or x.credit)
        if not kept and not tax:
            return None
        customer = _customer(self.env)
        currency = self.books.currency_of(customer)
        document = document or self.env.aggregate_id
        made = Entry(fact, day, currency, customer, document, kept, tax)
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
            return _invoice(fact)
        case "PaymentReceived":
            lines = _pair(Role.BANK, Role.UNAPPLIED, to_mills(d["amount"]))
            return fact.entry("payment", _day(d["received_on"]), *lines, document=d["payment_id"])
        case "PaymentReversed":
            lines = _pair(Role.UNAPPLIED, Role.BANK, to_mills(d["amount"]))
            day = _day(d["reversed_on"])
            return fact.entry("payment_reversal", day, *lines, document=d["payment_id"])
        case "PaymentRefunded":
            # Unapplied cash paid back: the customer's credit leaves the bank.
            lines = _pair(Role.UNAPPLIED, Role.BANK, to_mills(d["amount"]))
            day = _day(d["refunded_on"])
            return fact.entry("refund", day, *lines, document=d["payment_id"])
        case "PaymentAllocated" | "PaymentDeallocated":
            return _cash_applied(fact)
        case "DiscountTaken":
            return _discount_tax(fact)
        case "CreditNoteApplied":
            day = fact.on_invoice("issued_on")
            return _taken_back(fact, "credit_note", Role.CREDIT_NOTES, day, d["credit_note_id"])
        case "InvoiceWrittenOff":
            day = fact.on_invoice("written_off_on")
            relief = bool(d.get("tax_relief"))
            return _taken_back(fact, "write_off", Role.BAD_DEBT, day, d["write_off_id"], relief)
    return None


def _rate(value: object) -> str:
    """A tax rate as two-decimal text (``19`` and ``"19.0"`` are both ``"19.00"``)."""
    return f"{Decimal(str(value)):.2f}"


def _groups(data: dict[str, Any]) -> tuple[TaxMovement, ...] | None:
    """The fact's VAT breakdown as movements that add to the return (``None``: recorded before
    taxes, or an invoice without tax data)."""
    rows = data.get("tax_breakdown")
    if rows is None:
        return None
    return tuple(
        TaxMovement(
            str(r["category"]), _rate(r["rate"]), to_mills(r["taxable"]), to_mills(r["tax"])
        )
        for r in rows
    )


def _per_group(groups: Iterable[TaxMovement], role: Role, *, debit: bool) -> tuple[Line, ...]:
    """One line on ``role`` per group for its taxable amount, then one on output tax per group
    for its tax, all on the debit (or the credit) side, each carrying its group."""

    def line(on: Role, amount: int, g: TaxMovement) -> Line:
        debited, credited = (amount, 0) if debit else (0, amount)
        return Line(on, debited, credited, category=g.category, rate=g.rate)

    groups = tuple(groups)
    return (
        *(line(role, g.taxable, g) for g in groups),
        *(line(Role.OUTPUT_TAX, g.tax, g) for g in groups),
    )


def _less(groups: Iterable[TaxMovement]) -> tuple[TaxMovement, ...]:
    """The movements of a fact that takes ``groups`` back off the return (zero parts left out)."""
    return tuple(
        TaxMovement(g.category, g.rate, -g.taxable, -g.tax) for g in groups if g.taxable or g.tax
    )


def _invoice(fact: _Fact) -> Entry | None:
    """Receivable gross; revenue net and output tax per group (gross revenue before taxes)."""
    d = fact.env.data
    day, gross, groups = _day(d["issued_on"]), to_mills(d["total"]), _groups(d)
    if _is_opening(d):
        return fact.entry("opening_balance", day, *_pair(Role.RECEIVABLE, Role.OPENING, gross))
    if groups is None:
        return fact.entry("invoice", day, *_pair(Role.RECEIVABLE, Role.REVENUE, gross))
    lines = (Line(Role.RECEIVABLE, debit=gross), *_per_group(groups, Role.REVENUE, debit=False))
    return fact.entry("invoice", day, *lines, tax=groups)


def _taken_back(
    fact: _Fact, kind: str, role: Role, day: int, document: object, relief: bool = True
) -> Entry | None:
    """A credit note or write-off: ``role`` debited and the receivable credited gross; with a
    breakdown (and, for a write-off, bad-debt relief) ``role`` takes the net per group and
    output tax the tax per group, which the VAT return loses."""
    d, invoice = fact.env.data, fact.env.aggregate_id
    gross, groups = to_mills(d["amount"]), _groups(d)
    if groups is None or not relief:
        plain = _pair(role, Role.RECEIVABLE, gross, invoice)
        return fact.entry(kind, day, *plain, document=str(document))
    lines = (
        *_per_group(groups, role, debit=True),
        Line(Role.RECEIVABLE, credit=gross, document=invoice),
    )
    return fact.entry(kind, day, *lines, document=str(document), tax=_less(groups))


def _discount_tax(fact: _Fact) -> Entry | None:
    """The tax part of an early-payment discount: the discount itself was posted gross to sales
    discounts with the cash that earned it; this moves its tax out of them into output tax, so
    sales discounts hold the net discount. A discount recorded before taxes posts nothing."""
    d = fact.env.data
    groups = _groups(d)
    if groups is None:
        return None
    lines = (
        *(Line(Role.OUTPUT_TAX, debit=g.tax, category=g.category, rate=g.rate) for g in groups),
        *(Line(Role.DISCOUNTS, credit=g.tax, category=g.category, rate=g.rate) for g in groups),
    )
    day = fact.on_invoice("taken_on")
    return fact.entry("discount_tax", day, *lines, document=str(d["payment_id"]), tax=_less(groups))


def _cash_applied(fact: _Fact) -> Entry | None:
    """Cash (and the discount it earned) moved onto an invoice, or taken back off it; a taxed
    discount taken back gives its tax part back to output tax (``DiscountTaken`` had moved it
    out of sales discounts)."""
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
        held = fact.books.discount_tax_of(str(d["invoice_id"]), str(d["payment_id"]))
        given = _given_back(held, discount, fact.books.currency_of(_customer(fact.env)))
        tax_back = (
            *(Line(Role.DISCOUNTS, debit=g.tax, category=g.category, rate=g.rate) for g in given),
            *(Line(Role.OUTPUT_TAX, credit=g.tax, category=g.category, rate=g.rate) for g in given),
        )
        return fact.entry(
            "deallocation", day, *mirrored, *tax_back, document=d["payment_id"], tax=given
        )
    return fact.entry("cash_applied", day, *applied, document=d["payment_id"])
