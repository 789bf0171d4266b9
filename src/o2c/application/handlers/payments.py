"""Handlers for payments: receipt, cash application, deallocation and reversal.

The rules of cash application live in ``o2c.domain.cash_application``; these handlers only load
the invoices it asks about and let each aggregate record its part of the result.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from uuid import UUID, uuid4

from o2c import commands as c
from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.invoice import Invoice
from o2c.aggregates.payment_link import PaymentLink
from o2c.application.results import (
    AllocationResult,
    PaymentResult,
    PaymentReversedResult,
    RefundResult,
)
from o2c.application.unit_of_work import UnitOfWork
from o2c.domain.cash_application import (
    AllocationRequest,
    OpenItem,
    PlannedAllocation,
    plan_explicit,
    plan_oldest_first,
)
from o2c.domain.errors import RuleViolation
from o2c.domain.money import zero


def _own_invoice(uow: UnitOfWork, acc: CustomerAccount, invoice_id: UUID) -> Invoice:
    inv = uow.get(invoice_id, Invoice)
    acc.require_own(inv.customer_id, inv.id)
    return inv


def _oldest_first(uow: UnitOfWork, acc: CustomerAccount) -> Iterator[OpenItem]:
    # Lazy: the planner stops reading once the cash is used up.
    for invoice_id in acc.invoices_by_due_date():
        yield uow.get(invoice_id, Invoice).open_item()


def _allocate(
    uow: UnitOfWork,
    acc: CustomerAccount,
    link: PaymentLink,
    allocations: list[c.AllocationIn] | None,
    on: date,
) -> list[PlannedAllocation]:
    """Plan the payment's cash application, then record it on each invoice, the account and
    the payment's own stream."""
    link.ensure_not_reversed()
    planned = _plan(uow, acc, link.id, allocations)
    _record(uow, acc, link, planned, on)
    return planned


def _plan(
    uow: UnitOfWork,
    acc: CustomerAccount,
    payment_id: UUID,
    allocations: list[c.AllocationIn] | None,
) -> list[PlannedAllocation]:
    """Which invoices the payment's unapplied cash pays, and how much of each."""
    acc.ensure_open()
    cash = acc.cash_of(payment_id)
    if allocations is None:
        planned = plan_oldest_first(cash.unapplied, cash.received_on, _oldest_first(uow, acc))
    else:
        requests = [AllocationRequest(a.invoice_id, a.amount) for a in allocations]
        planned = plan_explicit(
            cash.unapplied,
            cash.received_on,
            requests,
            lambda invoice_id: _own_invoice(uow, acc, invoice_id).open_item(),
            acc.currency,
        )
    return planned


def _record(
    uow: UnitOfWork,
    acc: CustomerAccount,
    link: PaymentLink,
    planned: list[PlannedAllocation],
    on: date,
) -> None:
    """Record a planned application on each invoice, the account and the payment's stream."""
    received_on = acc.cash_of(link.id).received_on or on
    for p in planned:
        inv = uow.get(p.invoice_id, Invoice)
        inv.apply_payment(link.id, p.amount, p.discount, on, received_on)
        acc.allocate(link.id, inv.id, p.amount, p.discount, on, inv.open_amount)
        link.link_invoice(inv.id)


def _allocation_results(planned: list[PlannedAllocation]) -> list[AllocationResult]:
    return [
        AllocationResult(invoice_id=p.invoice_id, amount=p.amount, discount=p.discount)
        for p in planned
    ]


def _payment_view(
    acc: CustomerAccount, link: PaymentLink, planned: list[PlannedAllocation]
) -> PaymentResult:
    return PaymentResult(
        payment_id=link.id,
        customer_id=acc.id,
        amount=link.amount,
        applied=sum((p.amount for p in planned), zero(acc.currency)),
        unapplied=acc.cash_of(link.id).unapplied,
        allocations=_allocation_results(planned),
    )


def receive_payment(cmd: c.ReceivePayment, uow: UnitOfWork) -> PaymentResult:
    """Record a payment and apply it (explicitly or oldest due date first)."""
    acc = uow.get(cmd.customer_id, CustomerAccount)
    payment_id = uow.new_id(cmd.payment_id)
    received_on = cmd.received_on or uow.today
    acc.receive_payment(payment_id, cmd.amount, received_on, cmd.method, cmd.reference)
    planned = _plan(uow, acc, payment_id, cmd.allocations)
    invoices = [p.invoice_id for p in planned]
    link = PaymentLink.register(payment_id, acc.id, acc.money(cmd.amount), received_on, invoices)
    uow.add(link)
    _record(uow, acc, link, planned, received_on)
    return _payment_view(acc, link, planned)


def _payment(uow: UnitOfWork, payment_id: UUID) -> tuple[PaymentLink, CustomerAccount]:
    link = uow.get(payment_id, PaymentLink)
    return link, uow.get(link.customer_id, CustomerAccount)


def allocate_payment(cmd: c.AllocatePayment, uow: UnitOfWork) -> PaymentResult:
    """Apply a payment's unapplied cash later."""
    link, acc = _payment(uow, cmd.payment_id)
    planned = _allocate(uow, acc, link, cmd.allocations, cmd.allocated_on or uow.today)
    return _payment_view(acc, link, planned)


def _undo(
    uow: UnitOfWork,
    acc: CustomerAccount,
    link: PaymentLink,
    invoice_id: UUID,
    reason: str,
    on: date,
    *,
    bounced: bool,
) -> PlannedAllocation | None:
    """Take a payment's cash (and its discount) back off one invoice; ``None`` if none is on it.

    ``bounced`` tells the invoice why: the payment was reversed, or only this allocation undone.
    """
    inv = _own_invoice(uow, acc, invoice_id)
    amount, discount = inv.applied_by(link.id)
    if amount <= 0:
        return None
    inv.reverse_payment(link.id, amount, discount, reason, on, bounced=bounced)
    acc.deallocate(
        link.id,
        inv.id,
        (amount, discount),
        reason,
        on,
        (inv.number, inv.due_on, inv.open_amount),
        link.received_on,
    )
    return PlannedAllocation(inv.id, amount, discount)


def _invoices_of(uow: UnitOfWork, link: PaymentLink) -> list[UUID]:
    """The invoices a payment was applied to.

    A payment recorded before its stream listed them is looked up once in its account's
    history: the only place that knew.
    """
    if not link.is_legacy:
        return list(link.invoice_ids)
    found: dict[UUID, None] = {}
    for ev in uow.history(link.customer_id):
        if isinstance(ev, CustomerAccount.PaymentAllocated) and ev.payment_id == link.id:
            found[ev.invoice_id] = None
    return list(found)


def deallocate_payment(cmd: c.DeallocatePayment, uow: UnitOfWork) -> PaymentResult:
    """Undo one allocation; the cash becomes unapplied again."""
    link, acc = _payment(uow, cmd.payment_id)
    acc.ensure_open()
    on = cmd.deallocated_on or uow.today
    if _undo(uow, acc, link, cmd.invoice_id, cmd.reason, on, bounced=False) is None:
        raise RuleViolation("the payment is not allocated to that invoice", code="not-allocated")
    return _payment_view(acc, link, [])


def reverse_payment(cmd: c.ReversePayment, uow: UnitOfWork) -> PaymentReversedResult:
    """Reverse a bounced payment: every allocation is undone, then the cash is removed."""
    link, acc = _payment(uow, cmd.payment_id)
    acc.ensure_open()
    link.ensure_not_reversed()
    on = cmd.reversed_on or uow.today
    reason = f"payment reversed: {cmd.reason}"
    undone = [
        u
        for i in _invoices_of(uow, link)
        if (u := _undo(uow, acc, link, i, reason, on, bounced=True))
    ]
    acc.reverse_payment(link.id, cmd.reason, on)
    link.mark_reversed(on)
    return PaymentReversedResult(
        **dict(_payment_view(acc, link, [])),
        reversed=True,
        reversed_allocations=_allocation_results(undone),
    )


def refund_payment(cmd: c.RefundPayment, uow: UnitOfWork) -> RefundResult:
    """Pay a payment's unapplied cash (or part of it) back to the customer."""
    link, acc = _payment(uow, cmd.payment_id)
    link.ensure_not_reversed()
    refund_id = cmd.refund_id or uuid4()
    on = cmd.refunded_on or uow.today
    left = acc.refund(link.id, refund_id, cmd.amount, on, cmd.reference)
    return RefundResult(
        refund_id=refund_id,
        payment_id=link.id,
        customer_id=acc.id,
        amount=acc.money(cmd.amount),
        refunded_on=on,
        reference=cmd.reference,
        unapplied=left,
    )
