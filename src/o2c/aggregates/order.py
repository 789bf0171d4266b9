"""Order: placed under a credit check, shipped (partially), cancelled and invoiced."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from o2c.domain.credit import CreditDecision
from o2c.domain.errors import InvalidInput, RuleViolation
from o2c.domain.money import check_amount, check_total, round_money, zero
from o2c.domain.tax import (
    LineKind,
    LineTax,
    breakdown,
    line_tax_fields,
    line_tax_of,
    totals,
)
from o2c.events.catalog import topic


@dataclass(frozen=True)
class OrderLine:
    """A line as placed: the sku identifies it within the order; ``tax`` is ``None`` on orders
    placed before taxes (and for customers whose tax treatment is unknown)."""

    sku: str
    description: str
    quantity: int
    unit_price: Decimal
    kind: LineKind = LineKind.GOODS
    tax: LineTax | None = None

    @property
    def amount(self) -> Decimal:
        """Line value (net)."""
        return self.unit_price * self.quantity

    def as_dict(self) -> dict[str, Any]:
        """Primitive form stored inside events."""
        return {
            "sku": self.sku,
            "description": self.description,
            "quantity": self.quantity,
            "unit_price": self.unit_price,
            "amount": self.amount,
            "kind": self.kind.value,
            **line_tax_fields(self.tax),
        }

    @classmethod
    def from_dict(cls, ln: dict[str, Any]) -> OrderLine:
        """A line read back from ``OrderPlaced``."""
        kind = LineKind(ln.get("kind") or LineKind.GOODS.value)
        tax = line_tax_of(ln)
        return cls(ln["sku"], ln["description"], ln["quantity"], ln["unit_price"], kind, tax)


@dataclass(frozen=True)
class InvoiceLine:
    """A line of an invoice, taken from what was shipped and not yet invoiced; ``amount`` is the
    line net, quantity × unit price rounded to the currency's minor unit."""

    sku: str
    description: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    kind: LineKind = LineKind.GOODS
    tax: LineTax | None = None

    def as_dict(self) -> dict[str, Any]:
        """Primitive form stored inside ``OrderInvoiced``."""
        return {
            "sku": self.sku,
            "description": self.description,
            "quantity": self.quantity,
            "unit_price": self.unit_price,
            "amount": self.amount,
        }

    def document_dict(self) -> dict[str, Any]:
        """The line as the invoice records it: with its kind, tax and net."""
        return {**self.as_dict(), "net": self.amount, "kind": self.kind.value} | line_tax_fields(
            self.tax
        )


def check_lines(lines: list[OrderLine], currency: str, kind: str, total_name: str) -> Decimal:
    """Lines of an order or a contract (``kind``): at least one, distinct skus, positive
    quantities, prices in the currency's minor unit, a positive net total (``total_name``),
    which is returned."""
    if not lines:
        article = "an" if kind[0] in "aeiou" else "a"
        raise InvalidInput(f"{article} {kind} needs at least one line", code="invalid-lines")
    skus = [line.sku for line in lines]
    if len(set(skus)) != len(skus):
        raise InvalidInput(f"each sku may appear once per {kind}", code="duplicate-sku")
    for line in lines:
        if not line.sku.strip():
            raise InvalidInput("sku must not be empty", code="invalid-lines")
        if line.quantity <= 0:
            raise InvalidInput("quantity must be positive", code="invalid-quantity")
        check_amount(line.unit_price, currency, field="unit_price", allow_zero=True)
    net = check_total(sum((line.amount for line in lines), zero(currency)), currency)
    if net <= 0:
        raise InvalidInput(f"{total_name} must be positive", code="invalid-lines")
    return net


def gross_value(lines: list[tuple[OrderLine, int]], currency: str) -> Decimal:
    """What ``quantity`` of each line comes to with its tax (per-group rounding); lines without
    tax data count their net."""
    taxed = [
        (ln.tax, round_money(ln.unit_price * q, currency)) for ln, q in lines if ln.tax is not None
    ]
    untaxed = sum((ln.unit_price * q for ln, q in lines if ln.tax is None), zero(currency))
    net, tax = totals(breakdown(taxed, currency))
    return untaxed + net + tax


STATUS_CREDIT_HOLD = "credit_hold"
STATUS_APPROVED = "approved"
STATUS_CANCELLED = "cancelled"
STATUS_COMPLETED = "completed"


class Order(Aggregate):
    """A customer order with per-sku ordered, shipped, cancelled and invoiced quantities."""

    TOPIC = "o2c.Order"

    class Event(Aggregate.Event):
        TOPIC = "o2c.Order.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "o2c.Order.Created"

    class OrderPlaced(Created):
        """An order placed (v2: each line with its kind and the tax decided at placement from the
        customer's tax treatment, the buyer's ``purchase_order`` number, and ``total`` gross:
        ``net_total`` plus ``tax_total``)."""

        TOPIC = topic("OrderPlaced")
        class_version = 2

        customer_id: UUID
        currency: str
        lines: list[dict[str, Any]]
        total: Decimal
        ordered_on: date
        purchase_order: str | None
        net_total: Decimal | None
        tax_total: Decimal | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """v1 orders had no tax: their lines carry none and their total is the net."""
            state["lines"] = [
                {"kind": "goods", **line_tax_fields(None), **ln} for ln in state["lines"]
            ]
            state.update(purchase_order=None, net_total=state["total"], tax_total=None)

    @classmethod
    def place(
        cls,
        order_id: UUID,
        customer_id: UUID,
        currency: str,
        lines: list[OrderLine],
        ordered_on: date,
        purchase_order: str | None = None,
    ) -> Order:
        """Place an order; the credit decision is recorded right after by ``decide``."""
        net = check_lines(lines, currency, "order", "an order total")
        taxed = any(line.tax is not None for line in lines)
        total = check_total(gross_value([(ln, ln.quantity) for ln in lines], currency), currency)
        return cls._create(
            cls.OrderPlaced,
            id=order_id,
            customer_id=customer_id,
            currency=currency,
            lines=[line.as_dict() for line in lines],
            total=total,
            ordered_on=ordered_on,
            purchase_order=purchase_order,
            net_total=net,
            tax_total=total - net if taxed else None,
        )

    @event(OrderPlaced)
    def __init__(
        self,
        customer_id: UUID,
        currency: str,
        lines: list[dict[str, Any]],
        total: Decimal,
        ordered_on: date,
        purchase_order: str | None,
        net_total: Decimal | None,
        tax_total: Decimal | None,
    ) -> None:
        self.customer_id = customer_id
        self.currency = currency
        self.lines = {ln["sku"]: OrderLine.from_dict(ln) for ln in lines}
        self.total = total
        self.ordered_on = ordered_on
        self.purchase_order = purchase_order
        self.shipped: dict[str, int] = dict.fromkeys(self.lines, 0)
        self.cancelled: dict[str, int] = dict.fromkeys(self.lines, 0)
        self.invoiced: dict[str, int] = dict.fromkeys(self.lines, 0)
        self.invoice_ids: list[UUID] = []
        self.shipment_ids: set[UUID] = set()
        # (shipped on, sku, quantity) of each shipment, in the order recorded: a billing run
        # invoices only what was shipped up to its cut-off.
        self.shipments: list[tuple[date, str, int]] = []
        self.status = STATUS_CREDIT_HOLD
        self.hold_reason: str | None = None
        self.decided = False

    # ---- credit ---------------------------------------------------------------------------

    def decide(self, decision: CreditDecision) -> None:
        """Record the automatic credit decision taken at placement."""
        if self.decided:
            raise RuleViolation("the credit decision was already taken", code="already-decided")
        if decision.approved:
            self._approved(decision.components(), False, decision.reason)
        else:
            self._held(decision.components(), decision.reason)

    def approve_override(self, decision: CreditDecision, reason: str) -> None:
        """A credit manager approves a held order; the exposure at that moment is recorded."""
        if self.status != STATUS_CREDIT_HOLD:
            raise RuleViolation("only an order on credit hold can be approved", code="not-on-hold")
        self._approved(decision.components(), True, reason)

    def recheck(self, decision: CreditDecision) -> None:
        """Record the credit check re-run when the account hold that held this order is
        released: approved, or held again with the reason it now fails on."""
        if self.status != STATUS_CREDIT_HOLD:
            raise RuleViolation(
                "only an order on credit hold can be re-checked", code="not-on-hold"
            )
        if decision.approved:
            self._approved(decision.components(), False, decision.reason)
        else:
            self._held(decision.components(), decision.reason)

    @event("OrderApproved", topic=topic("OrderApproved"))
    def _approved(self, exposure: dict[str, Any], override: bool, reason: str) -> None:
        self.status = STATUS_APPROVED
        self.hold_reason = None
        self.decided = True

    @event("OrderCreditHeld", topic=topic("OrderCreditHeld"))
    def _held(self, exposure: dict[str, Any], reason: str) -> None:
        self.status = STATUS_CREDIT_HOLD
        self.hold_reason = reason
        self.decided = True

    # ---- fulfilment -----------------------------------------------------------------------

    def open_quantity(self, sku: str) -> int:
        """Ordered, not shipped and not cancelled."""
        return self.lines[sku].quantity - self.shipped[sku] - self.cancelled[sku]

    def open_value(self) -> Decimal:
        """Gross value of what is neither shipped nor cancelled."""
        return gross_value(
            [(ln, self.open_quantity(s)) for s, ln in self.lines.items()], self.currency
        )

    def uninvoiced_value(self) -> Decimal:
        """Gross value of what is neither invoiced nor cancelled: the order's open-order
        exposure. Releases are taken as its changes, so per-group rounding of partial invoices
        never leaves a cent committed on a finished order."""
        return gross_value(
            [
                (ln, ln.quantity - self.invoiced[s] - self.cancelled[s])
                for s, ln in self.lines.items()
            ],
            self.currency,
        )

    def ship(self, shipment_id: UUID, quantities: dict[str, int], shipped_on: date) -> None:
        """Ship some quantities; never more than is open on a line."""
        if self.status != STATUS_APPROVED:
            raise RuleViolation(
                f"an order in status {self.status!r} cannot be shipped", code="order-not-approved"
            )
        if shipment_id in self.shipment_ids:
            # A retry carrying the same caller-supplied id must not ship twice.
            raise RuleViolation(f"shipment {shipment_id} already exists", code="already-exists")
        if not quantities:
            raise InvalidInput("a shipment needs at least one line", code="invalid-lines")
        for sku, qty in quantities.items():
            if sku not in self.lines:
                raise InvalidInput(f"sku {sku!r} is not on the order", code="unknown-sku")
            if qty <= 0:
                raise InvalidInput("quantity must be positive", code="invalid-quantity")
            if qty > self.open_quantity(sku):
                raise RuleViolation(
                    f"shipping {qty} of {sku!r} exceeds the open quantity "
                    f"{self.open_quantity(sku)}",
                    code="overshipment",
                )
        lines = [{"sku": s, "quantity": q} for s, q in quantities.items()]
        self._shipped(shipment_id, lines, shipped_on)

    @event("OrderShipped", topic=topic("OrderShipped"))
    def _shipped(self, shipment_id: UUID, lines: list[dict[str, Any]], shipped_on: date) -> None:
        for line in lines:
            self.shipped[line["sku"]] += line["quantity"]
            self.shipments.append((shipped_on, line["sku"], line["quantity"]))
        self.shipment_ids.add(shipment_id)

    def cancel(self, reason: str, cancelled_on: date) -> Decimal:
        """Cancel everything not shipped; returns the value cancelled."""
        if self.status == STATUS_CANCELLED:
            raise RuleViolation("the order is already cancelled", code="order-cancelled")
        open_lines = {s: self.open_quantity(s) for s in self.lines if self.open_quantity(s) > 0}
        if not open_lines:
            raise RuleViolation("nothing left to cancel", code="nothing-to-cancel")
        before = self.uninvoiced_value()
        lines = [{"sku": s, "quantity": q} for s, q in open_lines.items()]
        self._cancelled(lines, self.open_value(), reason, cancelled_on)
        return before - self.uninvoiced_value()

    @event("OrderCancelled", topic=topic("OrderCancelled"))
    def _cancelled(
        self, lines: list[dict[str, Any]], amount: Decimal, reason: str, cancelled_on: date
    ) -> None:
        for line in lines:
            self.cancelled[line["sku"]] += line["quantity"]
        if not any(self.shipped.values()):
            self.status = STATUS_CANCELLED
        elif self._fully_invoiced():
            self.status = STATUS_COMPLETED

    def shipped_through(self, sku: str, through: date | None) -> int:
        """Quantity of ``sku`` shipped on or before ``through`` (``None``: ever)."""
        if through is None:
            return self.shipped[sku]
        return sum(q for on, s, q in self.shipments if s == sku and on <= through)

    def invoiceable_lines(self, through: date | None = None) -> list[InvoiceLine]:
        """Shipped (on or before ``through``, if given) and not yet invoiced, per sku.

        Invoices always take the oldest shipments first (an invoice takes everything shipped up
        to a date), so what was invoiced of a sku is the start of its shipments."""
        out: list[InvoiceLine] = []
        for sku, line in self.lines.items():
            qty = self.shipped_through(sku, through) - self.invoiced[sku]
            if qty > 0:
                net = round_money(line.unit_price * qty, self.currency)
                out.append(
                    InvoiceLine(
                        sku, line.description, qty, line.unit_price, net, line.kind, line.tax
                    )
                )
        return out

    def invoice(
        self, invoice_id: UUID, invoiced_on: date, through: date | None = None
    ) -> list[InvoiceLine]:
        """Mark everything shipped (on or before ``through``, if given) and not yet invoiced as
        invoiced on ``invoice_id``."""
        lines = self.invoiceable_lines(through)
        if not lines:
            raise RuleViolation("nothing shipped is left to invoice", code="nothing-to-invoice")
        amount = sum((ln.amount for ln in lines), zero(self.currency))
        self._invoiced(invoice_id, [ln.as_dict() for ln in lines], amount, invoiced_on)
        return lines

    @event("OrderInvoiced", topic=topic("OrderInvoiced"))
    def _invoiced(
        self, invoice_id: UUID, lines: list[dict[str, Any]], amount: Decimal, invoiced_on: date
    ) -> None:
        for line in lines:
            self.invoiced[line["sku"]] += line["quantity"]
        self.invoice_ids.append(invoice_id)
        if self._fully_invoiced():
            self.status = STATUS_COMPLETED

    def _fully_invoiced(self) -> bool:
        return all(
            self.invoiced[s] + self.cancelled[s] == self.lines[s].quantity for s in self.lines
        )
