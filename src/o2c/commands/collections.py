"""Collections commands: promises to pay, notes and follow-ups, collector assignment, promise
checks and the late charges (reminder fees, interest) invoiced on demand."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field

from o2c.commands.base import Amount, BusinessDate, Command, IsoDate, MultiLine, Text

NoteText = Annotated[MultiLine, Field(min_length=1, max_length=2000)]
PromiseNote = Annotated[MultiLine, Field(max_length=1000)]


class PromiseFields(BaseModel):
    """What the customer promised: ``amount`` (default: all that is open) by ``promised_on``
    (a day to come: it may be after today), and what the collector noted."""

    promised_on: IsoDate
    amount: Amount | None = None
    note: PromiseNote = ""
    promise_id: UUID | None = None


class MakePromise(PromiseFields, Command):
    """Record a promise to pay on an invoice. The promise is made today (its business date):
    the command books no caller-chosen date."""

    invoice_id: UUID


class NoteFields(BaseModel):
    """A note's text and the day to follow up (if any)."""

    text: NoteText
    follow_up_on: IsoDate | None = None
    note_id: UUID | None = None


class AddNote(NoteFields, Command):
    """A collector's note on a customer; ``follow_up_on`` is the day to look again (if any)."""

    customer_id: UUID


class CollectorFields(BaseModel):
    """The collector (a name or login; null: nobody)."""

    collector: Text | None


class AssignCollector(CollectorFields, Command):
    """Assign the collector who chases the customer (``None``: nobody)."""

    customer_id: UUID


class CheckPromises(Command):
    """Record every promise whose deadline passed by ``as_of`` without the cash as broken.

    Like a dunning run, not one transaction: one ``CheckCustomerPromises`` per customer with
    overdue invoices. A dunning run does the same check before it reminds.
    """

    DATED_BY = "as_of"

    as_of: BusinessDate | None = None


class CheckCustomerPromises(Command):
    """Record one customer's promises broken by ``as_of``."""

    DATED_BY = "as_of"

    customer_id: UUID
    as_of: BusinessDate


class LateChargeFields(BaseModel):
    """Charge through ``through`` (default today; the interest invoice's issue date), under an
    optional caller-chosen invoice id."""

    through: BusinessDate | None = None
    invoice_id: UUID | None = None


class ChargeLateFees(LateChargeFields, Command):
    """Invoice a customer's reminder fees and late-payment interest through ``through`` (tax
    category O), each charged once: what an earlier interest invoice charged is not charged
    again."""

    DATED_BY = "through"

    customer_id: UUID
