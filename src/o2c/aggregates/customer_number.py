"""Customer numbers are unique: one tiny aggregate per number, saved with the change that takes it.

Its id is derived from the number (case and surrounding spaces ignored), so two customers taking
the same number create the same stream in their saves: the event store's version check lets one
through and the other is retried and refused. A read model could only say that a number *was*
free. A number stays with the customer that took it, even after that customer moves to another
number: a document or a payment reference quoting it never comes to mean someone else.
"""

from __future__ import annotations

from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from o2c.events.catalog import topic

_NAMESPACE = UUID("3f0e6f55-0d41-4a8e-9f5c-1f8a3c2b9d74")


def customer_number_id(number: str) -> UUID:
    """The stream id of a customer number."""
    return uuid5(_NAMESPACE, number.strip().casefold())


class CustomerNumber(Aggregate):
    """A customer number and the customer that holds it."""

    TOPIC = "o2c.CustomerNumber"

    class Event(Aggregate.Event):
        TOPIC = "o2c.CustomerNumber.Event"

    class Created(Event, Aggregate.Created):
        TOPIC = "o2c.CustomerNumber.Created"

    @classmethod
    def claim(cls, number: str, customer_id: UUID) -> CustomerNumber:
        """Take ``number`` for ``customer_id``."""
        return cls._create(
            cls.CustomerNumberClaimed,  # type: ignore[attr-defined]  # defined by @event
            id=customer_number_id(number),
            number=number,
            customer_id=customer_id,
        )

    @event("CustomerNumberClaimed", topic=topic("CustomerNumberClaimed"))
    def __init__(self, number: str, customer_id: UUID) -> None:
        self.number = number
        self.customer_id = customer_id
