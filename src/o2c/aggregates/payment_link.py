"""Payment links: which account a payment id belongs to.

Payments live inside the customer's account; a command that names only a payment id
(reverse, allocate, deallocate) finds the account through this link, which is saved in the
same transaction as the payment and makes payment ids unique across customers.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from o2c.events.catalog import topic


class PaymentLink(Aggregate):
    """Maps a payment id to its customer account."""

    TOPIC = "o2c.PaymentLink"

    class Event(Aggregate.Event):
        TOPIC = "o2c.PaymentLink.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "o2c.PaymentLink.Created"

    @classmethod
    def register(cls, payment_id: UUID, customer_id: UUID) -> PaymentLink:
        """Link a new payment to its account."""
        return cls._create(
            cls.PaymentRegistered,  # type: ignore[attr-defined]  # defined by @event
            id=payment_id,
            customer_id=customer_id,
        )

    @event("PaymentRegistered", topic=topic("PaymentRegistered"))
    def __init__(self, customer_id: UUID) -> None:
        self.customer_id = customer_id
