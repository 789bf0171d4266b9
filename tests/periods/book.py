"""A small book with a target for every dated command, and each dated command built against it.

Everything in the book is dated in January 2026; the tests close the books through 31 January
with the clock on 1 March, then send each command dated inside the closed month (refused) or
after it (booked).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from o2c import commands as c
from o2c.application.handlers import HANDLERS

LOCK = date(2026, 1, 31)
INSIDE = date(2026, 1, 20)
AFTER = date(2026, 2, 10)
TODAY = date(2026, 3, 1)

Do = Callable[[c.Command], dict[str, Any]]


@dataclass(frozen=True)
class Book:
    """Ids of the things each command acts on."""

    customer: UUID  # open invoices, an allocated payment
    other: UUID  # a payment with unapplied cash and one open invoice
    placed: UUID  # an approved order, nothing shipped
    shipped: UUID  # an order shipped, not invoiced
    invoice: UUID  # an open invoice, due 4 February
    disputed: UUID  # an invoice under dispute
    paid: UUID  # the invoice ``allocated`` was applied to
    allocated: UUID  # a payment allocated to ``paid``
    unapplied: UUID  # a payment of ``other`` with all its cash unapplied
    statement: UUID  # a bank statement with one undecided receipt ``L1`` of 10.00
    contract: UUID  # a monthly contract of ``customer`` from 1 January, billed in advance


def _order(do: Do, customer: UUID, amount: str, on: date) -> UUID:
    line = c.OrderLineIn(sku="X", quantity=1, unit_price=Decimal(amount))
    body = do(c.PlaceOrder(customer_id=customer, lines=[line], ordered_on=on))
    return UUID(body["order_id"])


def _ship(do: Do, order: UUID, on: date) -> None:
    do(c.ShipOrder(order_id=order, lines=[c.ShipmentLineIn(sku="X", quantity=1)], shipped_on=on))


def _sell(do: Do, customer: UUID, amount: str, on: date) -> UUID:
    order = _order(do, customer, amount, on)
    _ship(do, order, on)
    return UUID(do(c.InvoiceOrder(order_id=order, issued_on=on))["invoice_id"])


def _account(do: Do, name: str) -> UUID:
    body = do(c.OpenAccount(name=name, currency="EUR", credit_limit=Decimal("100000")))
    return UUID(body["customer_id"])


def build_book(do: Do) -> Book:
    """Run the commands that make a ``Book`` (all dated in January 2026)."""
    customer, other = _account(do, "Acme"), _account(do, "Beta")
    jan = date(2026, 1, 5)
    placed = _order(do, customer, "100.00", jan)
    shipped = _order(do, customer, "200.00", jan)
    _ship(do, shipped, jan)
    invoice = _sell(do, customer, "500.00", jan)
    disputed = _sell(do, customer, "300.00", jan)
    do(c.DisputeInvoice(invoice_id=disputed, reason="quantity", disputed_on=jan))
    paid = _sell(do, customer, "400.00", jan)
    allocation = c.AllocationIn(invoice_id=paid)
    allocated = do(
        c.ReceivePayment(
            customer_id=customer,
            amount=Decimal("400.00"),
            received_on=date(2026, 1, 15),
            allocations=[allocation],
        )
    )
    payment = c.ReceivePayment(customer_id=other, amount=Decimal("50.00"), received_on=jan)
    unapplied = do(payment)
    _sell(do, other, "80.00", date(2026, 1, 12))
    receipt = c.BankLineIn(line_id="L1", booked_on=jan, amount=Decimal("10.00"), credit=True)
    statement = do(
        c.ImportBankStatement(
            account_id="DE89370400440532013000",
            statement_id="ST-JAN",
            currency="EUR",
            period_start=jan,
            period_end=jan,
            lines=[receipt],
        )
    )
    contract = do(
        c.StartContract(
            customer_id=customer, lines=[_LINE], interval="month", start_on=date(2026, 1, 1)
        )
    )
    return Book(
        contract=UUID(contract["contract_id"]),
        customer=customer,
        other=other,
        placed=placed,
        shipped=shipped,
        invoice=invoice,
        disputed=disputed,
        paid=paid,
        allocated=UUID(allocated["payment_id"]),
        unapplied=UUID(unapplied["payment_id"]),
        statement=UUID(statement["statement_id"]),
    )


Factory = Callable[[Book, date], c.Command]
_LINE = c.OrderLineIn(sku="Y", quantity=1, unit_price=Decimal("25.00"))

# Every command with a business date, built to succeed on a fresh ``Book`` when dated ``AFTER``.
DATED: dict[type[c.Command], Factory] = {
    c.PlaceOrder: lambda b, d: c.PlaceOrder(customer_id=b.customer, lines=[_LINE], ordered_on=d),
    c.ShipOrder: lambda b, d: c.ShipOrder(
        order_id=b.placed, lines=[c.ShipmentLineIn(sku="X", quantity=1)], shipped_on=d
    ),
    c.CancelOrder: lambda b, d: c.CancelOrder(order_id=b.placed, cancelled_on=d),
    c.InvoiceOrder: lambda b, d: c.InvoiceOrder(order_id=b.shipped, issued_on=d),
    c.ReceivePayment: lambda b, d: c.ReceivePayment(
        customer_id=b.customer, amount=Decimal("10.00"), received_on=d
    ),
    c.AllocatePayment: lambda b, d: c.AllocatePayment(payment_id=b.unapplied, allocated_on=d),
    c.DeallocatePayment: lambda b, d: c.DeallocatePayment(
        payment_id=b.allocated, invoice_id=b.paid, reason="misapplied", deallocated_on=d
    ),
    c.ReversePayment: lambda b, d: c.ReversePayment(payment_id=b.allocated, reversed_on=d),
    c.ApplyCreditNote: lambda b, d: c.ApplyCreditNote(
        invoice_id=b.invoice, amount=Decimal("10.00"), reason="damaged", issued_on=d
    ),
    c.DisputeInvoice: lambda b, d: c.DisputeInvoice(
        invoice_id=b.invoice, reason="quantity", disputed_on=d
    ),
    c.ResolveDispute: lambda b, d: c.ResolveDispute(invoice_id=b.disputed, resolved_on=d),
    c.WriteOffInvoice: lambda b, d: c.WriteOffInvoice(
        invoice_id=b.invoice, reason="insolvent", written_off_on=d
    ),
    c.RunDunning: lambda b, d: c.RunDunning(as_of=d),
    c.SendReminders: lambda b, d: c.SendReminders(customer_id=b.customer, as_of=d),
    c.CheckPromises: lambda b, d: c.CheckPromises(as_of=d),
    c.CheckCustomerPromises: lambda b, d: c.CheckCustomerPromises(customer_id=b.customer, as_of=d),
    c.ChargeLateFees: lambda b, d: c.ChargeLateFees(customer_id=b.customer, through=d),
    c.DecideBankLines: lambda b, d: c.DecideBankLines(
        statement_id=b.statement,
        applied=[
            c.LineApplication(
                line_id="L1",
                customer_id=b.customer,
                amount=Decimal("10.00"),
                received_on=d,
                allocations=[],
                rule="manual",
                score=1.0,
            )
        ],
        manual=True,
    ),
    c.RefundPayment: lambda b, d: c.RefundPayment(
        payment_id=b.unapplied, amount=Decimal("5.00"), refunded_on=d
    ),
    c.BillCustomer: lambda b, d: c.BillCustomer(
        run_id=b.contract, customer_id=b.customer, as_of=d, contract_ids=[b.contract]
    ),
    c.ChangeContract: lambda b, d: c.ChangeContract(
        contract_id=b.contract, lines=[_LINE, _LINE.model_copy(update={"sku": "Z"})], changed_on=d
    ),
    c.CancelContract: lambda b, d: c.CancelContract(contract_id=b.contract, cancelled_on=d),
    c.ImportOpeningInvoices: lambda b, d: c.ImportOpeningInvoices(
        rows=[c.OpeningInvoice(customer_id=b.customer, issued_on=d, open_amount=Decimal("5.00"))]
    ),
}


def service_commands() -> set[type[c.Command]]:
    """Every command the service runs (each handler's, the dunning run and the promise check)."""
    return {*HANDLERS, c.RunDunning, c.CheckPromises}


# Where each dated command is posted over HTTP, and which of its fields travels in the path.
ROUTES: dict[type[c.Command], tuple[str, str | None]] = {
    c.PlaceOrder: ("/v1/orders", None),
    c.ShipOrder: ("/v1/orders/{}/shipments", "order_id"),
    c.CancelOrder: ("/v1/orders/{}/cancel", "order_id"),
    c.InvoiceOrder: ("/v1/orders/{}/invoices", "order_id"),
    c.ReceivePayment: ("/v1/payments", None),
    c.AllocatePayment: ("/v1/payments/{}/allocations", "payment_id"),
    c.DeallocatePayment: ("/v1/payments/{}/deallocate", "payment_id"),
    c.ReversePayment: ("/v1/payments/{}/reverse", "payment_id"),
    c.ApplyCreditNote: ("/v1/invoices/{}/credit-notes", "invoice_id"),
    c.DisputeInvoice: ("/v1/invoices/{}/dispute", "invoice_id"),
    c.ResolveDispute: ("/v1/invoices/{}/resolve-dispute", "invoice_id"),
    c.WriteOffInvoice: ("/v1/invoices/{}/write-off", "invoice_id"),
    c.RunDunning: ("/v1/dunning/runs", None),
    c.RefundPayment: ("/v1/payments/{}/refunds", "payment_id"),
    c.ChangeContract: ("/v1/contracts/{}/changes", "contract_id"),
    c.CancelContract: ("/v1/contracts/{}/cancel", "contract_id"),
    c.CheckPromises: ("/v1/promises/checks", None),
    c.ChargeLateFees: ("/v1/customers/{}/interest-invoices", "customer_id"),
}


def http_request(cmd: c.Command) -> tuple[str, dict[str, Any]]:
    """The path and JSON body that send ``cmd`` through the API."""
    path, in_path = ROUTES[type(cmd)]
    body = cmd.model_dump(mode="json", exclude_none=True)
    if in_path is None:
        return path, body
    return path.format(body.pop(in_path)), body
