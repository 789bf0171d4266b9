"""Wires the letters o2c sends on its own: reminder letters after each dunning run's reminders
and statement runs, over the read models and the delivery service of one process."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, Protocol
from uuid import UUID

from o2c.application.clock import BusinessDay
from o2c.application.deliveries import DeliveryService
from o2c.application.errors import BackendUnavailable
from o2c.application.invoice_pdfs import InvoiceSending
from o2c.application.reminder_letters import ReminderLetters
from o2c.application.service import Follower
from o2c.application.statement_letters import StatementRuns
from o2c.commands import BillCustomer, Command, InvoiceOrder, SendReminders, ShipOrder
from o2c.config import Settings
from o2c.delivery.queue import DeliveryQueue
from o2c.eventstore.store import EventStore
from o2c.projections.queries import ReadQueries

READ_MODEL_WAIT = 60.0


class ReadSidePort(Protocol):
    """The read side of a process: its queries, and a bounded wait for a log position."""

    queries: ReadQueries

    def wait_for(self, position: int, timeout: float) -> bool: ...


class ReadModelStatements:
    """The statement read model as the statement letters read it."""

    def __init__(self, queries: ReadQueries) -> None:
        self.queries = queries

    def __call__(
        self, customer_id: UUID, start: date, end: date, after: str | None
    ) -> Mapping[str, Any] | None:
        found = self.queries.statement(customer_id, start=start, end=end, after=after, limit=500)
        return None if found is None else dict(found)


class ReadModelStatementCustomers:
    """Who gets a statement, asked once the read model applied everything before the run."""

    def __init__(self, read: ReadSidePort) -> None:
        self.read = read

    def __call__(self, start: date, end: date, min_position: int) -> Iterable[UUID]:
        if min_position > 0 and not self.read.wait_for(min_position, READ_MODEL_WAIT):
            raise BackendUnavailable(f"read models have not reached position {min_position}")
        return self.read.queries.statement_customers(start, end)


def current_held_reason(store: EventStore, queue: DeliveryQueue) -> Any:
    """Why letters to an address are held, with the queue fed up to the log's end first (a
    bounce recorded a moment ago holds the very next letter)."""

    def held_reason(address: str) -> str | None:
        queue.catch_up(store)
        return queue.held_reason(address)

    return held_reason


def letter_followers(deliveries: DeliveryService) -> dict[type[Command], Follower]:
    """What follows a command in its own save: a dunning run's reminders, their letter; an
    issued invoice, its delivery when the customer's billing policy sends invoices."""
    invoices = InvoiceSending(deliveries)
    return {
        SendReminders: ReminderLetters(deliveries),
        InvoiceOrder: invoices,
        ShipOrder: invoices,  # a customer billed on shipment
        BillCustomer: invoices,  # a customer's part of a billing run
    }


def build_statement_runs(
    settings: Settings, store: EventStore, deliveries: DeliveryService, read: ReadSidePort
) -> StatementRuns:
    """The statement runs of a process with read models."""
    return StatementRuns(
        store,
        deliveries,
        ReadModelStatements(read.queries),
        ReadModelStatementCustomers(read),
        BusinessDay(settings.timezone),
    )
