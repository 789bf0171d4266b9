"""Handlers for bank cash application: bank accounts, statements and the decision on each line.

A line is posted through the normal payment path (``receive_payment`` with explicit
allocations, so the early-payment discount is the planner's, as for any payment), in the same
unit of work as the statement's record of it: the payment and ``BankLineApplied`` are stored
together or not at all, so a line can never be posted twice nor posted without a trace.
"""

from __future__ import annotations

from typing import Any

from o2c import commands as c
from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.bank_statement import BankStatement, statement_uuid
from o2c.application.handlers.payments import receive_payment
from o2c.application.results import (
    AllocationResult,
    BankAccountResult,
    LineAppliedResult,
    LinesDecidedResult,
    StatementRecordedResult,
)
from o2c.application.unit_of_work import UnitOfWork
from o2c.domain.errors import InvalidInput
from o2c.domain.money import validate_currency


def record_bank_account(cmd: c.RecordBankAccount, uow: UnitOfWork) -> BankAccountResult:
    """Add an IBAN (already validated and compacted by the command) to the account."""
    acc = uow.get(cmd.customer_id, CustomerAccount)
    recorded = acc.record_bank_account(cmd.iban, cmd.holder)
    return BankAccountResult(
        customer_id=acc.id,
        iban=cmd.iban,
        holder=cmd.holder,
        recorded=recorded,
        ibans=list(acc.ibans),
    )


def _line(row: c.BankLineIn, currency: str) -> dict[str, Any]:
    return {
        "line_id": row.line_id,
        "booked_on": row.booked_on,
        "amount": row.amount,
        "currency": currency,
        "credit": row.credit,
        "bank_reference": row.bank_reference,
        "remittance": row.remittance,
        "payer_name": row.payer_name,
        "payer_iban": row.payer_iban,
        "end_to_end_id": row.end_to_end_id,
        "duplicate_of": row.duplicate_of,
    }


def import_bank_statement(cmd: c.ImportBankStatement, uow: UnitOfWork) -> StatementRecordedResult:
    """Record the statement with all its lines (a statement already recorded is refused)."""
    currency = validate_currency(cmd.currency)
    if cmd.period_end < cmd.period_start:
        raise InvalidInput("the statement period ends before it starts", code="invalid-statement")
    uow.require_new(statement_uuid(cmd.account_id, cmd.statement_id))
    statement = BankStatement.record(
        cmd.account_id,
        cmd.statement_id,
        currency,
        (cmd.period_start, cmd.period_end),
        cmd.created_on,
        cmd.file_format,
        [_line(row, currency) for row in cmd.lines],
    )
    uow.add(statement)
    return StatementRecordedResult(
        statement_id=statement.id,
        account_id=cmd.account_id,
        bank_statement_id=cmd.statement_id,
        lines=len(cmd.lines),
        duplicates=sum(1 for row in cmd.lines if row.duplicate_of),
    )


def _post(
    uow: UnitOfWork,
    statement: BankStatement,
    line: c.LineApplication,
    decided_by: str,
) -> LineAppliedResult:
    acc = uow.get(line.customer_id, CustomerAccount)
    if acc.currency != statement.currency:
        raise InvalidInput(
            f"the line is in {statement.currency}, the account in {acc.currency}",
            code="currency-mismatch",
        )
    payment = receive_payment(
        c.ReceivePayment(
            payment_id=line.payment_id,
            customer_id=line.customer_id,
            amount=line.amount,
            received_on=line.received_on,
            method="bank_transfer",
            reference=line.reference,
            allocations=line.allocations,
        ),
        uow,
    )
    statement.apply_line(
        line.line_id, payment.payment_id, acc.id, line.rule, line.score, decided_by
    )
    return LineAppliedResult(
        line_id=line.line_id,
        payment_id=payment.payment_id,
        customer_id=acc.id,
        rule=line.rule,
        score=line.score,
        allocations=[
            AllocationResult(invoice_id=a.invoice_id, amount=a.amount, discount=a.discount)
            for a in payment.allocations
        ],
    )


def decide_bank_lines(cmd: c.DecideBankLines, uow: UnitOfWork) -> LinesDecidedResult:
    """Post each application as a payment and record it; queue the rest."""
    statement = uow.get(cmd.statement_id, BankStatement)
    # The accounts and invoices the lines post to, in a couple of queries instead of one or two
    # per aggregate.
    uow.prefetch(line.customer_id for line in cmd.applied)
    uow.prefetch(a.invoice_id for line in cmd.applied for a in line.allocations)
    applied: list[LineAppliedResult] = []
    skipped: list[str] = []
    for line in cmd.applied:
        if statement.ensure_can_apply(
            line.line_id, line.amount, line.received_on, manual=cmd.manual
        ):
            applied.append(_post(uow, statement, line, cmd.decided_by))
        else:
            skipped.append(line.line_id)
    queued: list[str] = []
    for q in cmd.queued:
        suggestions = [s.model_dump(mode="json") for s in q.suggestions]
        if statement.queue_line(q.line_id, suggestions, q.reason):
            queued.append(q.line_id)
        else:
            skipped.append(q.line_id)
    return LinesDecidedResult(
        statement_id=statement.id, applied=applied, queued=queued, skipped=skipped
    )
