"""Handlers for order commands: placement with the credit check, shipping, cancelling, invoicing."""

from __future__ import annotations

from uuid import UUID, uuid4, uuid5

from o2c import commands as c
from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.order import STATUS_CREDIT_HOLD, Order, OrderLine
from o2c.application.handlers.issuing import invoice_orders, issue_invoice, issued_result
from o2c.application.results import (
    CancellationResult,
    CreditDecisionResult,
    InvoiceIssuedResult,
    OrderApprovedResult,
    OrderPlacedResult,
    RecheckedOrderResult,
    ShipmentResult,
)
from o2c.application.unit_of_work import UnitOfWork
from o2c.domain.billing_policy import ON_SHIPMENT, policy_of
from o2c.domain.credit import CreditDecision, decide_credit
from o2c.domain.errors import InvalidInput
from o2c.domain.tax import LineTax, TaxPolicy, TaxTreatment, line_tax


def decision_view(decision: CreditDecision) -> CreditDecisionResult:
    """A credit decision as a command answers it."""
    e = decision.exposure
    return CreditDecisionResult(
        approved=decision.approved,
        reason=decision.reason,
        credit_limit=e.credit_limit,
        ar_balance=e.ar_balance,
        open_orders=e.open_orders,
        unapplied_cash=e.unapplied_cash,
        exposure=e.exposure,
        order_total=decision.order_total,
        on_hold=e.on_hold,
    )


def _line_taxes(
    acc: CustomerAccount, lines: list[c.OrderLineIn], policy: TaxPolicy
) -> list[LineTax | None]:
    """Each line's tax, decided at placement: what the line names, the customer's tax
    treatment filling the rest. A customer whose treatment is unknown (no address and none set)
    gets no tax decided for lines that name no category: the order is untaxed, as orders were
    before taxes, until someone records where the customer is; once a line names a category,
    every line is taxed and the others default as for a domestic customer."""
    treatment = acc.details.get("tax_treatment")
    if treatment is None and all(ln.tax_category is None for ln in lines):
        return [None] * len(lines)
    return [
        line_tax(
            policy.rates,
            treatment=TaxTreatment(treatment or TaxTreatment.DOMESTIC.value),
            kind=ln.kind,
            category=ln.tax_category,
            rate=ln.tax_rate,
            exemption_reason_code=ln.exemption_reason_code,
            exemption_reason=ln.exemption_reason,
            buyer_vat_id=acc.details.get("vat_id"),
        )
        for ln in lines
    ]


def priced_lines(
    acc: CustomerAccount, lines: list[c.OrderLineIn], policy: TaxPolicy
) -> list[OrderLine]:
    """Lines as given, in the account's currency, each with its tax decided now (an order's
    at placement, a contract's when entered or changed)."""
    taxes = _line_taxes(acc, lines, policy)
    return [
        OrderLine(
            ln.sku,
            ln.description,
            ln.quantity,
            acc.money(ln.unit_price, "unit_price", allow_zero=True),
            ln.kind,
            tax,
        )
        for ln, tax in zip(lines, taxes, strict=True)
    ]


def place_order(cmd: c.PlaceOrder, uow: UnitOfWork) -> OrderPlacedResult:
    """Place an order; approve it or put it on credit hold in the same transaction."""
    acc = uow.get(cmd.customer_id, CustomerAccount)
    order_id = uow.new_id(cmd.order_id)
    acc.ensure_open()
    lines = priced_lines(acc, cmd.lines, uow.tax_policy)
    order = Order.place(
        order_id, acc.id, acc.currency, lines, cmd.ordered_on or uow.today, cmd.purchase_order
    )
    decision = decide_credit(acc.exposure(), order.total)
    order.decide(decision)
    if decision.approved:
        acc.commit_order(order.id, order.total)
    elif decision.exposure.on_hold:
        acc.note_order_held_by_hold(order.id, order.total)
    uow.add(order)
    return OrderPlacedResult(
        order_id=order.id,
        customer_id=acc.id,
        status=order.status,
        total=order.total,
        currency=order.currency,
        credit_decision=decision_view(decision),
    )


def approve_order(cmd: c.ApproveOrder, uow: UnitOfWork) -> OrderApprovedResult:
    """Approve a held order (credit manager override), recording the exposure it was taken on."""
    order = uow.get(cmd.order_id, Order)
    acc = uow.get(order.customer_id, CustomerAccount)
    checked = decide_credit(acc.exposure(), order.open_value())
    order.approve_override(checked, cmd.reason)
    acc.commit_order(order.id, order.open_value())
    # The answer is the decision just recorded (the override, on the figures of this moment),
    # not what the automatic check would have said.
    override = decision_view(
        CreditDecision(True, cmd.reason, checked.exposure, checked.order_total)
    )
    return OrderApprovedResult(
        order_id=order.id,
        status=order.status,
        total=order.total,
        credit_decision=override.model_copy(update={"override": True}),
    )


def recheck_held_orders(
    acc: CustomerAccount, held: list[UUID], uow: UnitOfWork
) -> list[RecheckedOrderResult]:
    """Re-run the credit check, in the order they were placed, for the orders the account hold
    alone held (the hold is already released); each decision is recorded on its order and an
    approved one counts towards the exposure the next one is checked against."""
    rechecked: list[RecheckedOrderResult] = []
    for order_id in held:
        order = uow.get(order_id, Order)
        if order.status != STATUS_CREDIT_HOLD:
            continue  # cancelled meanwhile
        decision = decide_credit(acc.exposure(), order.open_value())
        order.recheck(decision)
        if decision.approved:
            acc.commit_order(order.id, order.open_value())
        rechecked.append(
            RecheckedOrderResult(
                order_id=order.id, status=order.status, credit_decision=decision_view(decision)
            )
        )
    return rechecked


def ship_order(cmd: c.ShipOrder, uow: UnitOfWork) -> ShipmentResult:
    """Ship part or all of an order."""
    order = uow.get(cmd.order_id, Order)
    quantities: dict[str, int] = {}
    for ln in cmd.lines:
        if ln.sku in quantities:
            raise InvalidInput("each sku may appear once per shipment", code="duplicate-sku")
        quantities[ln.sku] = ln.quantity
    shipment_id = cmd.shipment_id or uuid4()
    shipped_on = cmd.shipped_on or uow.today
    order.ship(shipment_id, quantities, shipped_on)
    invoice = None
    acc = uow.get(order.customer_id, CustomerAccount)
    priced = any(ln.amount > 0 for ln in order.invoiceable_lines())
    if policy_of(acc.details.get("billing_policy")).mode == ON_SHIPMENT and priced:
        # The shipment and its invoice are one fact for this customer: one transaction. The
        # invoice id derives from the shipment's, so a retry of the shipment cannot invoice
        # twice (it is refused as a shipment already recorded).
        invoice_id = shipment_invoice_id(shipment_id)
        uow.require_new(invoice_id)
        lines = invoice_orders(uow, acc, [order], invoice_id, shipped_on)
        invoice = issued_result(
            issue_invoice(
                uow,
                acc,
                invoice_id,
                shipped_on,
                lines,
                order_id=order.id,
                purchase_order=order.purchase_order,
            )
        )
    return ShipmentResult(
        order_id=order.id,
        shipment_id=shipment_id,
        status=order.status,
        shipped=order.shipped,
        invoice=invoice,
    )


def shipment_invoice_id(shipment_id: UUID) -> UUID:
    """The id of the invoice an ``on_shipment`` customer's shipment issues."""
    return uuid5(shipment_id, "invoice")


def cancel_order(cmd: c.CancelOrder, uow: UnitOfWork) -> CancellationResult:
    """Cancel what is not shipped and release its open-order exposure."""
    order = uow.get(cmd.order_id, Order)
    acc = uow.get(order.customer_id, CustomerAccount)
    amount = order.cancel(cmd.reason, cmd.cancelled_on or uow.today)
    acc.release_order(order.id, amount, "cancelled")
    return CancellationResult(order_id=order.id, status=order.status, cancelled_amount=amount)


def invoice_order(cmd: c.InvoiceOrder, uow: UnitOfWork) -> InvoiceIssuedResult:
    """Invoice everything shipped and not yet invoiced, atomically with the order and account.

    The invoice records the seller and the buyer as they are now: a later change of either
    never rewrites it."""
    order = uow.get(cmd.order_id, Order)
    acc = uow.get(order.customer_id, CustomerAccount)
    invoice_id = uow.new_id(cmd.invoice_id)
    issued_on = cmd.issued_on or uow.today
    lines = invoice_orders(uow, acc, [order], invoice_id, issued_on)
    invoice = issue_invoice(
        uow,
        acc,
        invoice_id,
        issued_on,
        lines,
        order_id=order.id,
        purchase_order=order.purchase_order,
    )
    return issued_result(invoice)
