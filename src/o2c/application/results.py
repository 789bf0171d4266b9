"""What each command handler returns: typed results, shaped into JSON only at the edge.

A result is what the caller learns from a command (ids, resulting figures). The HTTP API and the
command line serialise it (``model_dump(mode="json")``: amounts as strings, ids and dates as
text); the idempotency record stores that JSON and a replay validates it back into the type.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict


class Result(BaseModel):
    """Base of every command result: immutable, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def to_json(self) -> dict[str, Any]:
        """The JSON-native form the API answers with."""
        return self.model_dump(mode="json")


class TermsResult(Result):
    """Payment terms of an account."""

    net_days: int
    discount_percent: Decimal | None
    discount_days: int | None


class AddressResult(Result):
    """A postal address."""

    lines: list[str]
    city: str
    postal_code: str | None
    country: str


class ContactResult(Result):
    """A contact for one purpose (billing, dunning, statements)."""

    role: str
    name: str | None
    email: str


class BillingPolicyResult(Result):
    """When invoices are made and whether they are sent."""

    mode: str
    period: str | None
    send: bool


class AccountResult(Result):
    """An account after a command, with its party details (null where none was given; the
    defaults keep responses stored before they existed readable)."""

    customer_id: UUID
    name: str
    currency: str
    credit_limit: Decimal
    on_hold: bool
    closed: bool
    payment_terms: TermsResult
    customer_number: str | None = None
    legal_name: str | None = None
    address: AddressResult | None = None
    vat_id: str | None = None
    peppol_id: str | None = None
    buyer_reference: str | None = None
    language: str | None = None
    contacts: list[ContactResult] = []
    tax_treatment: str | None = None
    tax_treatment_source: str = "derived"
    billing_policy: BillingPolicyResult | None = None


class LogoResult(Result):
    """The logo's media type, size and digest (``GET /v1/company/logo`` serves it)."""

    media_type: str
    size: int
    sha256: str


class CompanyResult(Result):
    """The seller's profile; ``logo`` says whether one is set (its bytes are served apart)."""

    legal_name: str | None
    address: AddressResult | None
    vat_id: str | None
    tax_registration_id: str | None
    legal_registration_id: str | None
    peppol_id: str | None
    iban: str | None
    bic: str | None
    email: str | None
    phone: str | None
    contact_name: str | None
    default_language: str | None
    logo: LogoResult | None


class CreditDecisionResult(Result):
    """A credit decision and the figures it was taken on; ``override`` when a credit manager
    approved an order the check would hold."""

    approved: bool
    override: bool = False
    reason: str
    credit_limit: Decimal
    ar_balance: Decimal
    open_orders: Decimal
    unapplied_cash: Decimal
    exposure: Decimal
    order_total: Decimal
    on_hold: bool


class RecheckedOrderResult(Result):
    """An order held only by the account hold, re-checked when the hold was released."""

    order_id: UUID
    status: str
    credit_decision: CreditDecisionResult


class HoldReleasedResult(AccountResult):
    """An account after its credit hold was released, with the held orders re-checked."""

    rechecked_orders: list[RecheckedOrderResult]


class OrderPlacedResult(Result):
    """A placed order and its credit decision."""

    order_id: UUID
    customer_id: UUID
    status: str
    total: Decimal
    currency: str
    credit_decision: CreditDecisionResult


class OrderApprovedResult(Result):
    """A held order approved by a credit manager."""

    order_id: UUID
    status: str
    total: Decimal
    credit_decision: CreditDecisionResult


class CancellationResult(Result):
    """An order after cancelling what was not shipped."""

    order_id: UUID
    status: str
    cancelled_amount: Decimal


class TaxGroupResult(Result):
    """One row of a VAT breakdown: taxable amount and tax of a (category, rate); the rate is a
    percentage at two decimals (``"19.00"``)."""

    category: str
    rate: Decimal
    taxable: Decimal
    tax: Decimal
    exemption_reason_code: str | None = None
    exemption_reason: str | None = None


class LetterResult(Result):
    """A document queued for one customer (a dunning run's reminder letter, an issued invoice):
    ``queued`` (to ``to``), ``held`` (the address bounced before: ``reason``), ``no_contact``
    (no e-mail for the letter's contact: nothing sent), ``no_letterhead`` (no seller profile
    yet: nothing sent) or ``not_sent`` (the document could not be made: ``reason``)."""

    customer_id: UUID
    status: str
    delivery_id: UUID | None = None
    to: str | None = None
    # email (the embedded default without SMTP records it as file) or peppol.
    channel: str | None = None
    reason: str | None = None


class InvoiceIssuedResult(Result):
    """An invoice issued for what was shipped: ``total`` is gross (what the customer owes),
    ``net_total`` + ``tax_total``; the tax fields are ``None`` on an invoice without tax data.
    Answers recorded before taxes lack the fields added since (they read as ``None``)."""

    invoice_id: UUID
    number: str
    order_id: UUID | None  # None: an invoice of a billing run over several orders or contracts
    customer_id: UUID
    total: Decimal
    issued_on: date
    due_on: date
    lines: list[dict[str, Any]] | None = None
    net_total: Decimal | None = None
    tax_total: Decimal | None = None
    tax_breakdown: list[TaxGroupResult] | None = None
    purchase_order: str | None = None
    seller: dict[str, Any] | None = None
    buyer: dict[str, Any] | None = None
    # The invoice's delivery when the customer's billing policy sends issued invoices.
    delivery: LetterResult | None = None


class ShipmentResult(Result):
    """An order after a shipment."""

    order_id: UUID
    shipment_id: UUID
    status: str
    shipped: dict[str, int]
    # The invoice issued with the shipment (a customer billed ``on_shipment``), else None.
    invoice: InvoiceIssuedResult | None = None


class BilledPeriodResult(Result):
    """A contract period a billing run invoiced."""

    contract_id: UUID
    index: int
    start: date
    end: date


class CustomerBilledResult(Result):
    """One customer's part of a billing run: ``invoiced`` (with the invoice issued),
    ``already_invoiced`` (by this run before it was stopped: the invoice it issued then) or
    ``nothing_to_invoice``."""

    run_id: UUID
    customer_id: UUID
    outcome: str
    invoice: InvoiceIssuedResult | None = None
    order_ids: list[UUID] = []
    contract_periods: list[BilledPeriodResult] = []


class PeriodResult(Result):
    """A contract period and the first day it may be invoiced."""

    index: int
    start: date
    end: date
    due_on: date


class ContractResult(Result):
    """A contract after a command: its lines for the next period to invoice, that period
    (``None`` once none is left), and where a change or cancellation takes effect."""

    contract_id: UUID
    customer_id: UUID
    status: str
    interval: str
    billing: str
    start_on: date
    end_on: date | None
    lines: list[dict[str, Any]]
    next_period: PeriodResult | None
    effective_from: date | None = None


class AllocationResult(Result):
    """Cash applied to one invoice, and the discount it earned."""

    invoice_id: UUID
    amount: Decimal
    discount: Decimal


class PaymentResult(Result):
    """A payment after a command: what this command applied, and what is still unapplied."""

    payment_id: UUID
    customer_id: UUID
    amount: Decimal | None  # unknown only for payments recorded by the first version
    applied: Decimal
    unapplied: Decimal
    allocations: list[AllocationResult]


class PaymentReversedResult(PaymentResult):
    """A reversed payment and the allocations its reversal undid."""

    reversed: bool
    reversed_allocations: list[AllocationResult]


class RefundResult(Result):
    """Unapplied cash paid back, and what the payment has left unapplied."""

    refund_id: UUID
    payment_id: UUID
    customer_id: UUID
    amount: Decimal
    refunded_on: date
    reference: str
    unapplied: Decimal


class InvoiceResult(Result):
    """An invoice after a command."""

    invoice_id: UUID
    number: str
    customer_id: UUID
    status: str
    total: Decimal
    open_amount: Decimal
    disputed: bool
    dunning_level: int
    net_total: Decimal | None = None
    tax_total: Decimal | None = None
    tax_breakdown: list[TaxGroupResult] | None = None


class CreditNoteView(Result):
    """A credit note: its gap-free number, gross ``total`` and its own breakdown (``None`` on
    an invoice without tax data)."""

    credit_note_id: UUID
    number: str
    total: Decimal
    net_total: Decimal | None = None
    tax_total: Decimal | None = None
    tax_breakdown: list[TaxGroupResult] | None = None
    lines: list[dict[str, Any]] | None = None


class CreditNoteResult(InvoiceResult):
    """An invoice after a credit note, and the credit note (answers recorded before credit
    notes were numbered have none)."""

    credit_note_id: UUID
    credit_note: CreditNoteView | None = None


class WriteOffPartsResult(Result):
    """A write-off split into net and tax per group, and whether its tax is reclaimed."""

    net_total: Decimal | None = None
    tax_total: Decimal | None = None
    tax_breakdown: list[TaxGroupResult] | None = None
    tax_relief: bool = False


class WriteOffResult(InvoiceResult):
    """An invoice after a write-off."""

    written_off: Decimal
    write_off: WriteOffPartsResult | None = None


class ReminderResult(Result):
    """One reminder sent."""

    invoice_id: UUID
    number: str
    customer_id: UUID
    level: int
    days_past_due: int


class RemindersResult(Result):
    """Reminders sent by a dunning run (or for one customer), and the letter each customer
    was sent (answers recorded before letters were sent have none)."""

    as_of: date
    reminders_sent: int
    reminders: list[ReminderResult]
    letters: list[LetterResult] = []
    promises_broken: list[PromiseOutcomeResult] = []


class CustomersImportedResult(Result):
    """Accounts opened by an import."""

    imported: int
    customer_ids: list[UUID]


class ImportedInvoice(Result):
    """One opening invoice booked."""

    invoice_id: UUID
    number: str


class InvoicesImportedResult(Result):
    """Opening invoices booked by an import."""

    imported: int
    invoices: list[ImportedInvoice]


class PeriodClosedResult(Result):
    """A period close: the new lock date and the evidence recorded with it."""

    through: date
    reason: str
    trial_balance: dict[str, dict[str, dict[str, str]]]
    head_position: int
    head: str


class BankAccountResult(Result):
    """The bank accounts a customer is known to pay from."""

    customer_id: UUID
    iban: str
    holder: str | None = None
    recorded: bool
    ibans: list[str]


class StatementRecordedResult(Result):
    """A bank statement recorded (or found recorded already)."""

    statement_id: UUID
    account_id: str
    bank_statement_id: str
    lines: int
    duplicates: int


class LineAppliedResult(Result):
    """One statement line posted as a payment."""

    line_id: str
    payment_id: UUID
    customer_id: UUID
    rule: str
    score: float
    allocations: list[AllocationResult]


class LinesDecidedResult(Result):
    """Lines of a statement posted and queued by one command (skipped: decided meanwhile)."""

    statement_id: UUID
    applied: list[LineAppliedResult]
    queued: list[str]
    skipped: list[str]


class PromiseResult(Result):
    """A promise to pay recorded on an invoice: dunning skips the invoice through ``deadline``."""

    promise_id: UUID
    invoice_id: UUID
    number: str
    customer_id: UUID
    promised_on: date
    deadline: date
    amount: Decimal
    made_on: date
    status: str


class PromiseOutcomeResult(Result):
    """A promise recorded broken (its deadline passed without the cash)."""

    promise_id: UUID
    invoice_id: UUID
    number: str
    customer_id: UUID
    deadline: date
    paid: Decimal


class PromisesCheckedResult(Result):
    """The promises a check recorded broken on ``as_of``."""

    as_of: date
    promises_broken: list[PromiseOutcomeResult]


class NoteResult(Result):
    """A note recorded on a customer."""

    note_id: UUID
    customer_id: UUID
    noted_on: date
    follow_up_on: date | None


class CollectorResult(Result):
    """The collector now assigned to a customer (``changed``: false when it already was)."""

    customer_id: UUID
    collector: str | None
    changed: bool


class LateChargeResult(Result):
    """What one invoice was charged: fees for levels after ``from_level`` up to ``fee_level``,
    interest for the days after ``interest_from`` up to ``interest_through``."""

    invoice_id: UUID
    number: str
    from_level: int
    fee_level: int
    fees: Decimal
    interest_from: date | None
    interest_through: date | None
    interest: Decimal


class InterestInvoiceResult(Result):
    """The interest invoice issued for late charges (category O), and what each invoice paid
    into it."""

    invoice_id: UUID
    number: str
    customer_id: UUID
    total: Decimal
    issued_on: date
    due_on: date
    charges: list[LateChargeResult]


# Defined before the results it names; resolved now that they exist.
RemindersResult.model_rebuild()
