"""Request bodies of endpoints whose ids travel in the path (the rest post the command itself).

Each body is its command's fields without the id: the same mixin of ``o2c.commands`` the
command is built from, so a field or a default is written once, where the command is. The
bodies are named classes of their own because their names are the OpenAPI schemas' names.
"""

from __future__ import annotations

from pydantic import model_validator

from o2c.commands.accounts import CreditLimitFields, ReasonFields, TermsFields
from o2c.commands.bank import BankAccountFields
from o2c.commands.base import Command, Reason
from o2c.commands.billing import ContractCancellationFields, ContractChangeFields
from o2c.commands.collections import (
    CheckPromises,
    CollectorFields,
    LateChargeFields,
    NoteFields,
    PromiseFields,
)
from o2c.commands.invoices import (
    CreditNoteFields,
    DisputeFields,
    ResolvedOn,
    RunDunning,
    WriteOffFields,
)
from o2c.commands.orders import ApprovalFields, CancellationFields, InvoicingFields, ShipmentFields
from o2c.commands.parties import CustomerFields
from o2c.commands.payments import (
    AllocationFields,
    DeallocationFields,
    RefundFields,
    ReversalFields,
)


class CreditLimitBody(CreditLimitFields, Command):
    """New credit limit with the reason for the change."""


class BankAccountBody(BankAccountFields, Command):
    """A bank account (IBAN, spaces allowed) the customer pays from, and its holder's name."""


class CustomerDetailsBody(CustomerFields, Command):
    """Party fields to change: each left out is unchanged, each null is cleared."""


class ReasonBody(ReasonFields, Command):
    """A reason, e.g. for a credit hold."""


class TermsBody(TermsFields, Command):
    """New payment terms."""


class ApproveBody(ApprovalFields, Command):
    """Why a held order is approved."""


class ShipmentBody(ShipmentFields, Command):
    """What was shipped and when."""


class CancelBody(CancellationFields, Command):
    """Why and when the unshipped rest is cancelled."""


class InvoiceBody(InvoicingFields, Command):
    """Issue date (default today) and an optional caller-chosen invoice id."""


class AllocateBody(AllocationFields, Command):
    """Allocations of unapplied cash (none = oldest due date first)."""


class DeallocateBody(DeallocationFields, Command):
    """Which allocation to undo and why."""


class ReverseBody(ReversalFields, Command):
    """Why and when a payment is reversed."""


class CreditNoteBody(CreditNoteFields, Command):
    """A credit note against the invoice."""


class DisputeBody(DisputeFields, Command):
    """Why the customer disputes the invoice."""


class ResolveBody(ResolvedOn, Command):
    """How the dispute was resolved: ``reason``, as when disputing (``resolution``, its older
    name, is still accepted; giving both with different texts is refused)."""

    # Both optional: the command's own default applies when neither is given.
    reason: Reason | None = None
    resolution: Reason | None = None

    @model_validator(mode="after")
    def _said_once(self) -> ResolveBody:
        if None not in (self.reason, self.resolution) and self.reason != self.resolution:
            raise ValueError("reason and resolution name the same thing: give one of them")
        return self

    @property
    def why(self) -> str | None:
        """The resolution, whichever name it was given under (None: neither was given)."""
        return self.reason or self.resolution


class WriteOffBody(WriteOffFields, Command):
    """Bad-debt write-off; ``amount`` defaults to the whole open amount."""


class DunningBody(RunDunning):
    """The date the dunning run is for (default today)."""


class RefundBody(RefundFields, Command):
    """How much unapplied cash is paid back, when, and the bank reference."""


class ContractChangeBody(ContractChangeFields, Command):
    """New lines and the day of the change (they hold from the next period)."""


class ContractCancelBody(ContractCancellationFields, Command):
    """Why and when a contract is cancelled (no period starting after it is invoiced)."""


class PromiseBody(PromiseFields, Command):
    """The customer's promise to pay: by when, how much (default: all that is open), a note."""


class NoteBody(NoteFields, Command):
    """A note on the customer and the day to follow up (if any)."""


class CollectorBody(CollectorFields, Command):
    """Who chases the customer (null: nobody)."""


class InterestInvoiceBody(LateChargeFields, Command):
    """Through which day fees and interest are charged (default today)."""


class PromiseCheckBody(CheckPromises):
    """The day promises are checked on (default today)."""
