"""Handlers for collections: promises to pay, notes, collectors, promise checks, late charges."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

from o2c import commands as c
from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.invoice import Invoice, format_number, invoice_total
from o2c.application.handlers.issuing import buyer_at_issue, numbering, seller_at_issue
from o2c.application.results import (
    CollectorResult,
    InterestInvoiceResult,
    LateChargeResult,
    NoteResult,
    PromiseOutcomeResult,
    PromiseResult,
    PromisesCheckedResult,
)
from o2c.application.unit_of_work import UnitOfWork
from o2c.domain.errors import RuleViolation
from o2c.domain.late_interest import late_interest
from o2c.domain.money import round_money, zero
from o2c.domain.promises import PENDING
from o2c.domain.tax import DEFAULT_EXEMPTION, TaxCategory

# The skus of an interest invoice's lines (numbered: LATE-FEE-1, LATE-INTEREST-2, …): such an
# invoice is never charged interest itself.
FEE_SKU = "LATE-FEE"
INTEREST_SKU = "LATE-INTEREST"
CHARGE_SKUS = (FEE_SKU, INTEREST_SKU)


def make_promise(cmd: c.MakePromise, uow: UnitOfWork) -> PromiseResult:
    """Record a promise to pay on an invoice (dunning then waits for its deadline)."""
    inv = uow.get(cmd.invoice_id, Invoice)
    promise_id = cmd.promise_id or uuid4()
    promise = inv.make_promise(
        promise_id, cmd.promised_on, cmd.amount, cmd.note, uow.today, uow.dunning_policy
    )
    return PromiseResult(
        promise_id=promise.promise_id,
        invoice_id=inv.id,
        number=inv.number,
        customer_id=inv.customer_id,
        promised_on=promise.promised_on,
        deadline=promise.deadline,
        amount=promise.amount,
        made_on=promise.made_on,
        status=PENDING,
    )


def check_customer_promises(cmd: c.CheckCustomerPromises, uow: UnitOfWork) -> PromisesCheckedResult:
    """Record the customer's promises broken by ``as_of``."""
    acc = uow.get(cmd.customer_id, CustomerAccount)
    return PromisesCheckedResult(
        as_of=cmd.as_of, promises_broken=check_promises(acc, cmd.as_of, uow)
    )


def check_promises(
    acc: CustomerAccount, as_of: date, uow: UnitOfWork
) -> list[PromiseOutcomeResult]:
    """Record as broken each promise on the account's overdue invoices whose deadline passed
    by ``as_of`` without the cash (what a dunning run does before it reminds)."""
    broken: list[PromiseOutcomeResult] = []
    for invoice_id in acc.overdue_invoices(as_of):
        inv = uow.get(invoice_id, Invoice)
        promise = inv.check_promise(as_of)
        if promise is not None:
            broken.append(
                PromiseOutcomeResult(
                    promise_id=promise.promise_id,
                    invoice_id=inv.id,
                    number=inv.number,
                    customer_id=inv.customer_id,
                    deadline=promise.deadline,
                    paid=promise.paid,
                )
            )
    return broken


def add_note(cmd: c.AddNote, uow: UnitOfWork) -> NoteResult:
    """A collector's note on the customer."""
    acc = uow.get(cmd.customer_id, CustomerAccount)
    note_id = cmd.note_id or uuid4()
    acc.add_note(note_id, cmd.text, cmd.follow_up_on, uow.today)
    return NoteResult(
        note_id=note_id, customer_id=acc.id, noted_on=uow.today, follow_up_on=cmd.follow_up_on
    )


def assign_collector(cmd: c.AssignCollector, uow: UnitOfWork) -> CollectorResult:
    """Assign (or clear) the customer's collector."""
    acc = uow.get(cmd.customer_id, CustomerAccount)
    changed = acc.assign_collector(cmd.collector)
    return CollectorResult(customer_id=acc.id, collector=acc.collector, changed=changed)


# ---- late charges ---------------------------------------------------------------------------

# How each invoice event moves the open amount: (field of its business date, sign); the two
# facts that give cash back add the discount they give back too.
_OPEN_MOVES: dict[str, tuple[str, int]] = {
    "InvoiceIssued": ("issued_on", 1),
    "PaymentApplied": ("applied_on", -1),
    "DiscountTaken": ("taken_on", -1),
    "CreditNoteApplied": ("issued_on", -1),
    "InvoiceWrittenOff": ("written_off_on", -1),
    "InvoicePaymentReversed": ("reversed_on", 1),
    "InvoicePaymentDeallocated": ("deallocated_on", 1),
}


def open_changes(events: Iterable[object]) -> list[tuple[date, Decimal]]:
    """The dated movements of an invoice's open amount, from its events."""
    changes: list[tuple[date, Decimal]] = []
    for event in events:
        move = _OPEN_MOVES.get(type(event).__name__)
        if move is None:
            continue
        field, sign = move
        amount = Decimal(str(getattr(event, "total", None) or getattr(event, "amount", 0)))
        # A payment given back also gives back the discount it earned.
        amount += Decimal(getattr(event, "discount", 0) or 0) if sign > 0 else 0
        changes.append((getattr(event, field), amount * sign))
    return changes


def _is_charge_invoice(inv: Invoice) -> bool:
    return any(str(line.get("sku")).startswith(CHARGE_SKUS) for line in inv.lines)


def late_charges_of(inv: Invoice, through: date, uow: UnitOfWork) -> tuple[int, Decimal, Decimal]:
    """(fee level, fees, interest) an invoice owes through ``through`` and has not been charged:
    the fees of the reminder levels sent since the last charge, and interest for the days past
    due since the last charge."""
    policy = uow.dunning_policy
    fees = sum(
        (policy.fee(level) for level in range(inv.fees_charged_level + 1, inv.dunning_level + 1)),
        Decimal(0),
    )
    interest = Decimal(0)
    if policy.interest_rate and through > inv.due_on:
        interest = late_interest(
            open_changes(uow.history(inv.id)),
            due_on=inv.due_on,
            charged_through=inv.interest_charged_through,
            through=through,
            rate=policy.interest_rate,
            currency=inv.currency,
        )
    return inv.dunning_level, round_money(fees, inv.currency), interest


def _charge_line(sku: str, description: str, amount: Decimal) -> dict[str, Any]:
    code, reason = DEFAULT_EXEMPTION[TaxCategory.OUTSIDE_SCOPE]
    return {
        "sku": sku,
        "description": description[:200],
        "quantity": 1,
        "unit_price": amount,
        "amount": amount,
        "net": amount,
        "kind": "service",
        "tax_category": TaxCategory.OUTSIDE_SCOPE.value,
        "tax_rate": Decimal(0),
        "exemption_reason_code": code,
        "exemption_reason": reason,
    }


def charge_late_fees(cmd: c.ChargeLateFees, uow: UnitOfWork) -> InterestInvoiceResult:
    """Invoice the customer's reminder fees and late-payment interest through ``through`` as
    one invoice outside the scope of VAT (category O); each open, undisputed invoice records
    what it was charged, so nothing is charged twice."""
    acc = uow.get(cmd.customer_id, CustomerAccount)
    through = cmd.through or uow.today
    if not uow.dunning_policy.charges:
        raise RuleViolation(
            "no reminder fees or interest are configured (O2C_DUNNING_FEES, "
            "O2C_LATE_INTEREST_RATE)",
            code="late-charges-off",
        )
    invoice_id = uow.new_id(cmd.invoice_id)
    lines: list[dict[str, Any]] = []
    charges: list[tuple[Invoice, LateChargeResult]] = []
    for source_id in acc.invoices_by_due_date():
        inv = uow.get(source_id, Invoice)
        if inv.disputed or _is_charge_invoice(inv):
            continue
        level, fees, interest = late_charges_of(inv, through, uow)
        if fees <= 0 and interest <= 0:
            continue
        interest_from = max(inv.due_on, inv.interest_charged_through or inv.due_on)
        if fees > 0:
            lines.append(_charge_line(FEE_SKU, f"Reminder fees {inv.number}", fees))
        if interest > 0:
            text = f"Interest {inv.number} {interest_from.isoformat()}..{through.isoformat()}"
            lines.append(_charge_line(INTEREST_SKU, text, interest))
        charges.append(
            (
                inv,
                LateChargeResult(
                    invoice_id=inv.id,
                    number=inv.number,
                    from_level=inv.fees_charged_level,
                    fee_level=level,
                    fees=fees,
                    interest_from=interest_from if interest > 0 else None,
                    interest_through=through if interest > 0 else None,
                    interest=interest,
                ),
            )
        )
    if not lines:
        raise RuleViolation(
            f"nothing to charge through {through}: no fees or interest are owed",
            code="nothing-to-charge",
        )
    # Lines of one sku must be unique on an invoice (credit notes name them): number them.
    for i, line in enumerate(lines, start=1):
        line["sku"] = f"{line['sku']}-{i}"
    number = format_number(numbering(uow).take(invoice_id))
    total, _ = invoice_total(lines, acc.currency)
    due_on = acc.terms.due_on(through)
    invoice = Invoice.issue(
        invoice_id,
        acc.id,
        None,
        number,
        acc.currency,
        lines,
        through,
        due_on,
        None,
        None,
        zero(acc.currency),
        seller=seller_at_issue(uow),
        buyer=buyer_at_issue(acc),
    )
    uow.add(invoice)
    acc.book_invoice(
        invoice.id, number, None, invoice.total, through, due_on, zero(acc.currency), None
    )
    for inv, charged in charges:
        inv.record_late_charges(
            invoice.id, charged.fee_level, charged.fees, charged.interest, charged.interest_through
        )
    return InterestInvoiceResult(
        invoice_id=invoice.id,
        number=number,
        customer_id=acc.id,
        total=total,
        issued_on=through,
        due_on=due_on,
        charges=[charged for _, charged in charges],
    )
