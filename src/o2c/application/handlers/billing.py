"""Handlers of billing automation: one customer's invoice in a billing run, and contracts.

A billing run is one ``BillCustomer`` command per customer, never one transaction over the
portfolio. The command's invoice id derives from the run and the customer, so a run started
again after a crash finds the invoices it already issued and issues nothing twice; what it
invoices (the orders' quantities, the contracts' periods) is recorded on the orders and
contracts in the same transaction as the invoice and its gap-free number.

What is due for a customer as of a run's date:
- a ``periodic`` customer: everything shipped up to its cut-off (the end of the last whole week
  or month) and not yet invoiced, over all its open orders;
- any customer: the due periods of the contracts the run names (each contract re-checks that
  it belongs to the customer and which of its periods are due).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid5

from o2c import commands as c
from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.contract import Contract, DuePeriod
from o2c.aggregates.invoice import Invoice, invoice_total
from o2c.aggregates.order import Order
from o2c.application.handlers.issuing import invoice_orders, issue_invoice, issued_result
from o2c.application.handlers.orders import priced_lines
from o2c.application.results import (
    BilledPeriodResult,
    ContractResult,
    CustomerBilledResult,
    PeriodResult,
)
from o2c.application.unit_of_work import UnitOfWork
from o2c.domain.billing_periods import cut_off
from o2c.domain.billing_policy import PERIODIC, policy_of
from o2c.domain.errors import RuleViolation

INVOICED, ALREADY_INVOICED, NOTHING = "invoiced", "already_invoiced", "nothing_to_invoice"


def billing_invoice_id(run_id: UUID, customer_id: UUID) -> UUID:
    """The id of the invoice a billing run issues to a customer."""
    return uuid5(run_id, f"invoice:{customer_id}")


@dataclass
class BillingPlan:
    """What is due for one customer: orders with shipped quantities not yet invoiced (up to
    ``through``), and each named contract's due periods."""

    account: CustomerAccount
    through: date | None
    orders: list[Order] = field(default_factory=list)
    periods: list[tuple[Contract, list[DuePeriod]]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing to invoice."""
        return not self.orders and not self.periods

    def lines(self) -> list[dict[str, Any]]:
        """The invoice lines the plan comes to, orders first, then contract periods, each naming
        its order or its contract and period."""
        currency = self.account.currency
        out: list[dict[str, Any]] = []
        for order in self.orders:
            for ln in order.invoiceable_lines(self.through):
                out.append({**ln.document_dict(), "order_id": str(order.id)})
        for contract, due in self.periods:
            for period in due:
                out.extend(period.invoice_lines(contract.id, currency))
        return out


def plan_billing(
    uow: UnitOfWork, customer_id: UUID, as_of: date, contract_ids: list[UUID]
) -> BillingPlan:
    """What a billing run as of ``as_of`` would invoice ``customer_id`` (nothing is changed)."""
    acc = uow.get(customer_id, CustomerAccount)
    policy = policy_of(acc.details.get("billing_policy"))
    plan = BillingPlan(acc, None)
    if policy.mode == PERIODIC and policy.period is not None:
        plan.through = cut_off(policy.period, as_of)
        # Orders not yet fully invoiced are exactly the account's open orders.
        order_ids = sorted(acc.open_orders, key=str)
        uow.prefetch(order_ids)
        for order_id in order_ids:
            order = uow.get(order_id, Order)
            # Goods shipped free of charge alone make no invoice (its total must be positive):
            # they go on the order's next invoice with a price.
            if any(ln.amount > 0 for ln in order.invoiceable_lines(plan.through)):
                plan.orders.append(order)
    uow.prefetch(contract_ids)
    for contract_id in dict.fromkeys(contract_ids):
        contract = uow.get(contract_id, Contract)
        if contract.customer_id != acc.id:
            raise RuleViolation(
                f"contract {contract_id} is not the customer's", code="contract-not-customers"
            )
        due = contract.due_periods(as_of)
        if due:
            plan.periods.append((contract, due))
    return plan


def plan_total(plan: BillingPlan) -> tuple[list[dict[str, Any]], Decimal]:
    """The plan's lines and the gross total they come to."""
    lines = plan.lines()
    total, _ = invoice_total(lines, plan.account.currency)
    return lines, total


def bill_customer(cmd: c.BillCustomer, uow: UnitOfWork) -> CustomerBilledResult:
    """Invoice one customer everything due as of the run's date, once per run."""
    invoice_id = billing_invoice_id(cmd.run_id, cmd.customer_id)
    acc = uow.get(cmd.customer_id, CustomerAccount)
    # One indexed query: the invoice is loaded only where this run issued it already.
    exists = uow.store.version_of(invoice_id) is not None
    issued = uow.find(invoice_id, Invoice) if exists else None
    if issued is not None:  # this run invoiced the customer before it was stopped
        return CustomerBilledResult(
            run_id=cmd.run_id,
            customer_id=acc.id,
            outcome=ALREADY_INVOICED,
            invoice=issued_result(issued),
        )
    plan = plan_billing(uow, acc.id, cmd.as_of, list(cmd.contract_ids))
    if plan.empty:
        return CustomerBilledResult(run_id=cmd.run_id, customer_id=acc.id, outcome=NOTHING)
    lines = invoice_orders(
        uow, acc, plan.orders, invoice_id, cmd.as_of, plan.through, name_orders=True
    )
    billed: list[BilledPeriodResult] = []
    for contract, due in plan.periods:
        contract.invoice(invoice_id, due, cmd.as_of)
        for period in due:
            lines.extend(period.invoice_lines(contract.id, acc.currency))
            billed.append(
                BilledPeriodResult(
                    contract_id=contract.id,
                    index=period.period.index,
                    start=period.period.start,
                    end=period.period.end,
                )
            )
    only = plan.orders[0] if len(plan.orders) == 1 and not plan.periods else None
    invoice = issue_invoice(
        uow,
        acc,
        invoice_id,
        cmd.as_of,
        lines,
        order_id=None if only is None else only.id,
        purchase_order=None if only is None else only.purchase_order,
    )
    return CustomerBilledResult(
        run_id=cmd.run_id,
        customer_id=acc.id,
        outcome=INVOICED,
        invoice=issued_result(invoice),
        order_ids=[o.id for o in plan.orders],
        contract_periods=billed,
    )


# ---- contracts ----------------------------------------------------------------------------------


def contract_view(contract: Contract, effective_from: date | None = None) -> ContractResult:
    """A contract as a command answers it, with the next period to invoice (if any)."""
    nxt = None
    if contract.end_index is None or contract.next_index < contract.end_index:
        p = contract.schedule.period(contract.next_index)
        nxt = PeriodResult(
            index=p.index, start=p.start, end=p.end, due_on=p.due_on(contract.billing)
        )
    lines = contract.lines_for(contract.next_index)
    return ContractResult(
        contract_id=contract.id,
        customer_id=contract.customer_id,
        status=contract.status,
        interval=contract.interval,
        billing=contract.billing,
        start_on=contract.start_on,
        end_on=contract.end_on,
        lines=[ln.as_dict() for ln in lines],
        next_period=nxt,
        effective_from=effective_from,
    )


def start_contract(cmd: c.StartContract, uow: UnitOfWork) -> ContractResult:
    """Enter a recurring contract; its lines are taxed as an order's would be now."""
    acc = uow.get(cmd.customer_id, CustomerAccount)
    acc.ensure_open()
    contract_id = uow.new_id(cmd.contract_id)
    lines = priced_lines(acc, cmd.lines, uow.tax_policy)
    contract = Contract.start(
        contract_id,
        acc.id,
        acc.currency,
        lines,
        cmd.interval,
        cmd.billing,
        cmd.start_on,
        cmd.end_on,
    )
    uow.add(contract)
    return contract_view(contract, cmd.start_on)


def _contract(uow: UnitOfWork, contract_id: UUID) -> tuple[Contract, CustomerAccount]:
    contract = uow.get(contract_id, Contract)
    return contract, uow.get(contract.customer_id, CustomerAccount)


def change_contract(cmd: c.ChangeContract, uow: UnitOfWork) -> ContractResult:
    """New lines from the first period that starts after the change (no proration)."""
    contract, acc = _contract(uow, cmd.contract_id)
    lines = priced_lines(acc, cmd.lines, uow.tax_policy)
    first = contract.change_lines(lines, cmd.changed_on or uow.today)
    return contract_view(contract, contract.schedule.period(first).start)


def cancel_contract(cmd: c.CancelContract, uow: UnitOfWork) -> ContractResult:
    """No period starting after the cancellation is invoiced; the current one is, whole."""
    contract, _ = _contract(uow, cmd.contract_id)
    first = contract.cancel(cmd.reason, cmd.cancelled_on or uow.today)
    return contract_view(contract, contract.schedule.period(first).start)
