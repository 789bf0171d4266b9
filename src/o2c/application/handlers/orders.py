"""Handlers for order commands: placement with the credit check, shipping, cancelling, invoicing."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from o2c import commands as c
from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.company import COMPANY_ID, Company
from o2c.aggregates.invoice import Invoice, format_number, invoice_total, tax_fields
from o2c.aggregates.numbering import NUMBERING_ID, InvoiceNumbering
from o2c.aggregates.order import STATUS_CREDIT_HOLD, Order, OrderLine
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
from o2c.domain.credit import CreditDecision, decide_credit
from o2c.domain.errors import InvalidInput
from o2c.domain.money import round_money, zero
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


def place_order(cmd: c.PlaceOrder, uow: UnitOfWork) -> OrderPlacedResult:
    """Place an order; approve it or put it on credit hold in the same transaction."""
    acc = uow.get(cmd.customer_id, CustomerAccount)
    order_id = uow.new_id(cmd.order_id)
    acc.ensure_open()
    taxes = _line_taxes(acc, cmd.lines, uow.tax_policy)
    lines = [
        OrderLine(
            ln.sku,
            ln.description,
            ln.quantity,
            acc.money(ln.unit_price, "unit_price", allow_zero=True),
            ln.kind,
            tax,
        )
        for ln, tax in zip(cmd.lines, taxes, strict=True)
    ]
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
    order.ship(shipment_id, quantities, cmd.shipped_on or uow.today)
    return ShipmentResult(
        order_id=order.id, shipment_id=shipment_id, status=order.status, shipped=order.shipped
    )


def cancel_order(cmd: c.CancelOrder, uow: UnitOfWork) -> CancellationResult:
    """Cancel what is not shipped and release its open-order exposure."""
    order = uow.get(cmd.order_id, Order)
    acc = uow.get(order.customer_id, CustomerAccount)
    amount = order.cancel(cmd.reason, cmd.cancelled_on or uow.today)
    acc.release_order(order.id, amount, "cancelled")
    return CancellationResult(order_id=order.id, status=order.status, cancelled_amount=amount)


def numbering(uow: UnitOfWork) -> InvoiceNumbering:
    """The invoice number sequence (created on first use)."""
    return uow.find_or_start(NUMBERING_ID, InvoiceNumbering, InvoiceNumbering.start)


def seller_at_issue(uow: UnitOfWork) -> dict[str, Any] | None:
    """The seller as a document names it now (``None`` while no company profile is set up:
    ordinary AR use needs none)."""
    company = uow.find(COMPANY_ID, Company)
    if company is None or not company.details:
        return None
    return dict(company.details)


def buyer_at_issue(acc: CustomerAccount) -> dict[str, Any]:
    """The customer as a document names it now: legal name (or the account's name), address,
    VAT ID, electronic address, buyer reference, language."""
    d = acc.details
    return {
        "customer_number": d.get("customer_number"),
        "name": d.get("legal_name") or acc.name,
        "address": d.get("address"),
        "vat_id": d.get("vat_id"),
        "peppol_id": d.get("peppol_id"),
        "buyer_reference": d.get("buyer_reference"),
        "language": d.get("language"),
        "tax_treatment": d.get("tax_treatment"),
    }


def invoice_order(cmd: c.InvoiceOrder, uow: UnitOfWork) -> InvoiceIssuedResult:
    """Invoice everything shipped and not yet invoiced, atomically with the order and account.

    The invoice records the seller and the buyer as they are now: a later change of either
    never rewrites it."""
    order = uow.get(cmd.order_id, Order)
    acc = uow.get(order.customer_id, CustomerAccount)
    invoice_id = uow.new_id(cmd.invoice_id)
    issued_on = cmd.issued_on or uow.today
    uninvoiced = order.uninvoiced_value()
    lines = order.invoice(invoice_id, issued_on)
    number = format_number(numbering(uow).take(invoice_id))
    terms = acc.terms
    invoice_lines = [ln.document_dict() for ln in lines]
    # The discount's base is what the customer owes: the gross total.
    total, _ = invoice_total(invoice_lines, acc.currency)
    discount_amount = (
        zero(acc.currency)
        if terms.discount_percent is None
        else round_money(total * terms.discount_percent / 100, acc.currency)
    )
    invoice = Invoice.issue(
        invoice_id,
        acc.id,
        order.id,
        number,
        acc.currency,
        invoice_lines,
        issued_on,
        terms.due_on(issued_on),
        terms.discount_percent,
        terms.discount_until(issued_on),
        discount_amount,
        purchase_order=order.purchase_order,
        seller=seller_at_issue(uow),
        buyer=buyer_at_issue(acc),
    )
    uow.add(invoice)
    acc.book_invoice(
        invoice.id,
        number,
        order.id,
        invoice.total,
        issued_on,
        invoice.due_on,
        discount_amount,
        invoice.discount_until,
    )
    acc.release_order(order.id, uninvoiced - order.uninvoiced_value(), "invoiced")
    return InvoiceIssuedResult(
        invoice_id=invoice.id,
        number=number,
        order_id=order.id,
        customer_id=acc.id,
        total=invoice.total,
        issued_on=issued_on,
        due_on=invoice.due_on,
        lines=invoice.lines,
        purchase_order=invoice.purchase_order,
        seller=invoice.seller,
        buyer=invoice.buyer,
        **tax_fields(invoice.tax_breakdown),
    )
