"""Handlers for payments: receipt, cash application, deallocation and reversal."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from o2c import commands as c
from o2c.aggregates.account import AllocationRequest, CustomerAccount, PlannedAllocation
from o2c.aggregates.invoice import Invoice
from o2c.aggregates.payment_link import PaymentLink
from o2c.application.unit_of_work import UnitOfWork
from o2c.domain.money import zero


def _auto_requests(
    uow: UnitOfWork, acc: CustomerAccount, payment_id: UUID
) -> list[AllocationRequest]:
    """Oldest due date first, skipping disputed invoices, until the cash is used up."""
    budget = acc.payment(payment_id).unapplied
    requests: list[AllocationRequest] = []
    for rec in acc.receivables_by_due_date():
        if budget <= 0:
            break
        if uow.get(rec.invoice_id, Invoice).disputed:
            continue
        requests.append(AllocationRequest(rec.invoice_id))
        # An early-payment discount lowers what the invoice consumes; counting it even outside
        # its window can only add a request that gets nothing, never leave cash unapplied.
        discount = rec.discount_amount if rec.discount_taken == 0 else zero(acc.currency)
        budget -= max(rec.open - discount, zero(acc.currency))
    return requests


def _allocate(
    uow: UnitOfWork,
    acc: CustomerAccount,
    payment_id: UUID,
    allocations: list[c.AllocationIn] | None,
    on: date,
) -> list[PlannedAllocation]:
    requests = (
        _auto_requests(uow, acc, payment_id)
        if allocations is None
        else [AllocationRequest(a.invoice_id, a.amount) for a in allocations]
    )
    planned = acc.allocate(payment_id, requests, on)
    received_on = acc.payment(payment_id).received_on
    for p in planned:
        uow.get(p.invoice_id, Invoice).apply_payment(
            payment_id, p.amount, p.discount, on, received_on
        )
    return planned


def _payment_view(
    acc: CustomerAccount, payment_id: UUID, planned: list[PlannedAllocation]
) -> dict[str, Any]:
    pay = acc.payment(payment_id)
    applied = sum((p.amount for p in planned), zero(acc.currency))
    return {
        "payment_id": str(payment_id),
        "customer_id": str(acc.id),
        "amount": str(pay.amount),
        "applied": str(applied),
        "unapplied": str(pay.unapplied),
        "allocations": [
            {"invoice_id": str(p.invoice_id), "amount": str(p.amount), "discount": str(p.discount)}
            for p in planned
        ],
    }


def receive_payment(cmd: c.ReceivePayment, uow: UnitOfWork) -> dict[str, Any]:
    """Record a payment and apply it (explicitly or oldest due date first)."""
    acc = uow.get(cmd.customer_id, CustomerAccount)
    payment_id = uow.new_id(cmd.payment_id)
    received_on = cmd.received_on or uow.today
    acc.receive_payment(payment_id, cmd.amount, received_on, cmd.method, cmd.reference)
    uow.add(PaymentLink.register(payment_id, acc.id))
    planned = _allocate(uow, acc, payment_id, cmd.allocations, received_on)
    return _payment_view(acc, payment_id, planned)


def _account_of_payment(uow: UnitOfWork, payment_id: UUID) -> CustomerAccount:
    link = uow.get(payment_id, PaymentLink)
    return uow.get(link.customer_id, CustomerAccount)


def allocate_payment(cmd: c.AllocatePayment, uow: UnitOfWork) -> dict[str, Any]:
    """Apply a payment's unapplied cash later."""
    acc = _account_of_payment(uow, cmd.payment_id)
    planned = _allocate(uow, acc, cmd.payment_id, cmd.allocations, cmd.allocated_on or uow.today)
    return _payment_view(acc, cmd.payment_id, planned)


def deallocate_payment(cmd: c.DeallocatePayment, uow: UnitOfWork) -> dict[str, Any]:
    """Undo one allocation; the cash becomes unapplied again."""
    acc = _account_of_payment(uow, cmd.payment_id)
    on = cmd.deallocated_on or uow.today
    undone = acc.deallocate(cmd.payment_id, cmd.invoice_id, cmd.reason, on)
    uow.get(cmd.invoice_id, Invoice).reverse_payment(
        cmd.payment_id, undone.amount, undone.discount, cmd.reason, on
    )
    return _payment_view(acc, cmd.payment_id, [])


def reverse_payment(cmd: c.ReversePayment, uow: UnitOfWork) -> dict[str, Any]:
    """Reverse a bounced payment: every allocation is undone, then the cash is removed."""
    acc = _account_of_payment(uow, cmd.payment_id)
    on = cmd.reversed_on or uow.today
    undone = acc.reverse_payment(cmd.payment_id, cmd.reason, on)
    for invoice_id, alloc in undone.items():
        uow.get(invoice_id, Invoice).reverse_payment(
            cmd.payment_id, alloc.amount, alloc.discount, f"payment reversed: {cmd.reason}", on
        )
    view = _payment_view(acc, cmd.payment_id, [])
    view["reversed"] = True
    view["reversed_allocations"] = [
        {"invoice_id": str(i), "amount": str(a.amount), "discount": str(a.discount)}
        for i, a in undone.items()
    ]
    return view
