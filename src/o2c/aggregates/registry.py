"""Every aggregate class, imported: a process reading the event store resolves every topic.

A stored topic resolves only once the module defining its class has been imported (the class
registers it when it is defined). A process started cold (``o2c audit verify``, ``o2c rebuild``,
a second server) may read events and snapshots of aggregates it has not otherwise imported, so
whatever opens the event store imports this module.
"""

from __future__ import annotations

from eventsourcing.domain import Aggregate

from o2c.aggregates.account import CustomerAccount
from o2c.aggregates.bank_statement import BankStatement
from o2c.aggregates.command_record import CommandRecord
from o2c.aggregates.company import Company
from o2c.aggregates.contract import Contract
from o2c.aggregates.customer_number import CustomerNumber
from o2c.aggregates.delivery import Delivery
from o2c.aggregates.explicit_topics import register_nested_topics
from o2c.aggregates.invoice import Invoice
from o2c.aggregates.numbering import CreditNoteNumbering, InvoiceNumbering
from o2c.aggregates.order import Order
from o2c.aggregates.payment_link import PaymentLink
from o2c.aggregates.period_lock import PeriodLock

ALL_AGGREGATES: tuple[type[Aggregate], ...] = (
    CustomerAccount,
    Order,
    Invoice,
    InvoiceNumbering,
    CreditNoteNumbering,
    PaymentLink,
    BankStatement,
    PeriodLock,
    CommandRecord,
    Delivery,
    Company,
    CustomerNumber,
    Contract,
)

for _aggregate in ALL_AGGREGATES:
    register_nested_topics(_aggregate)
