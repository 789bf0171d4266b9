"""The payment's own stream: its account, when it was received, which invoices it paid.

The account keeps a payment only while it has cash to apply. Undoing an old allocation or
reversing an old payment loads this stream instead: it names the account (a command that names
only a payment id finds the account here), the invoices the payment was applied to (each
invoice knows how much of it is still applied), and whether it was reversed. It is saved in the
same transaction as the payment, which also makes payment ids unique across customers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from o2c.aggregates.copying import CopiesOneLevelDeep
from o2c.domain.errors import RuleViolation
from o2c.events.catalog import topic


class PaymentLink(CopiesOneLevelDeep, Aggregate):
    """A payment's link to its account and to the invoices it was applied to."""

    TOPIC = "o2c.PaymentLink"

    class Event(Aggregate.Event):
        TOPIC = "o2c.PaymentLink.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "o2c.PaymentLink.Created"

    class PaymentRegistered(Created):
        """A payment id linked to its account (v2: with its amount and receipt date; v3: with
        the invoices it was applied to when received, so a payment applied on receipt costs
        one event here, not one more per invoice)."""

        TOPIC = topic("PaymentRegistered")
        class_version = 3

        customer_id: UUID
        amount: Decimal | None
        received_on: date | None
        invoice_ids: list[UUID]

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            """v1 links did not record the amount and receipt date."""
            state.update(amount=None, received_on=None)

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            """v2 links recorded every invoice by ``PaymentInvoiceLinked``."""
            state["invoice_ids"] = []

    @classmethod
    def register(
        cls,
        payment_id: UUID,
        customer_id: UUID,
        amount: Decimal,
        received_on: date,
        invoice_ids: Sequence[UUID] = (),
    ) -> PaymentLink:
        """Link a new payment to its account and to the invoices it was applied to at once."""
        return cls._create(
            cls.PaymentRegistered,
            id=payment_id,
            customer_id=customer_id,
            amount=amount,
            received_on=received_on,
            invoice_ids=list(dict.fromkeys(invoice_ids)),
        )

    @event(PaymentRegistered)
    def __init__(
        self,
        customer_id: UUID,
        amount: Decimal | None,
        received_on: date | None,
        invoice_ids: list[UUID],
    ) -> None:
        self.customer_id = customer_id
        self.amount = amount
        self.received_on = received_on
        self.invoice_ids = list(invoice_ids)
        self.reversed = False

    @property
    def is_legacy(self) -> bool:
        """Registered before links recorded their invoices (they cannot list them)."""
        return self.received_on is None

    def ensure_not_reversed(self) -> None:
        """Refuse to apply or reverse a reversed payment's cash."""
        if self.reversed:
            raise RuleViolation("the payment was reversed", code="payment-reversed")

    def link_invoice(self, invoice_id: UUID) -> None:
        """Remember that the payment was applied to ``invoice_id`` (once per invoice)."""
        if invoice_id not in self.invoice_ids:
            self._invoice_linked(invoice_id)

    @event("PaymentInvoiceLinked", topic=topic("PaymentInvoiceLinked"))
    def _invoice_linked(self, invoice_id: UUID) -> None:
        self.invoice_ids.append(invoice_id)

    def mark_reversed(self, reversed_on: date) -> None:
        """The payment bounced: nothing of it may be applied again."""
        self.ensure_not_reversed()
        self._marked_reversed(reversed_on)

    @event("PaymentMarkedReversed", topic=topic("PaymentMarkedReversed"))
    def _marked_reversed(self, reversed_on: date) -> None:
        self.reversed = True
