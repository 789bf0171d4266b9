"""The one catalog of every domain event o2c stores and publishes.

Stored topics (``o2c.Invoice.InvoiceIssued``) are a public contract: the event store resolves
classes by them, so a class may move or be renamed but its topic may not change without an
upcaster. ``cloud_type`` is the CloudEvents ``type`` on the wire and ``public_topic`` the Kafka
topic downstream services subscribe to (``None`` for internal bookkeeping events).
"""

from __future__ import annotations

from dataclasses import dataclass

JOURNAL_TOPIC = "o2c.journal.v1"
DLQ_TOPIC = "o2c.journal.v1.dlq"
INVOICES_TOPIC = "o2c.invoices.v1"
PAYMENTS_TOPIC = "o2c.payments.v1"
ORDERS_TOPIC = "o2c.orders.v1"
ACCOUNTS_TOPIC = "o2c.accounts.v1"
# Facts about the books as a whole (a period close, the seller's profile), for downstream
# accounting systems.
LEDGER_TOPIC = "o2c.ledger.v1"
# Bank statements imported and what cash application decided for each line (keyed by statement).
BANK_TOPIC = "o2c.bank.v1"
# Documents sent to customers (invoices, statements, reminders) and what became of each send,
# keyed by customer; a Peppol access point takes its documents from here (document.ready).
DELIVERIES_TOPIC = "o2c.deliveries.v1"
PUBLIC_TOPICS = (
    INVOICES_TOPIC,
    PAYMENTS_TOPIC,
    ORDERS_TOPIC,
    ACCOUNTS_TOPIC,
    LEDGER_TOPIC,
    BANK_TOPIC,
    DELIVERIES_TOPIC,
)


@dataclass(frozen=True)
class EventSpec:
    """One event type: its stored name, aggregate, wire type and public topic."""

    name: str
    aggregate: str
    cloud_type: str
    public_topic: str | None
    description: str
    schema_version: int = 1
    internal: bool = False

    @property
    def stored_topic(self) -> str:
        """The topic under which the event store keeps (and resolves) this event."""
        return f"o2c.{self.aggregate}.{self.name}"


def _spec(
    name: str,
    aggregate: str,
    cloud: str,
    topic: str | None,
    description: str,
    *,
    internal: bool = False,
    version: int = 1,
) -> EventSpec:
    return EventSpec(
        name, aggregate, f"o2c.{cloud}.v1", topic, description, version, internal=internal
    )


_ACC, _ORD, _INV, _BANK = "CustomerAccount", "Order", "Invoice", "BankStatement"
_DLV = "Delivery"
_CON = "Contract"


def _invoice(name: str, cloud: str, description: str, *, version: int = 2) -> EventSpec:
    # Every invoice event tells the invoice's story on one topic, with its resulting open
    # amount and status (v2; the type born after that is v1).
    return _spec(name, _INV, f"invoice.{cloud}", INVOICES_TOPIC, description, version=version)


CATALOG: tuple[EventSpec, ...] = (
    _spec("AccountOpened", _ACC, "account.opened", ACCOUNTS_TOPIC, "Customer account opened."),
    _spec(
        "CreditLimitChanged",
        _ACC,
        "account.credit_limit_changed",
        ACCOUNTS_TOPIC,
        "Credit limit changed, with reason.",
    ),
    _spec(
        "CreditHoldPlaced",
        _ACC,
        "account.credit_hold_placed",
        ACCOUNTS_TOPIC,
        "Account placed on credit hold.",
    ),
    _spec(
        "CreditHoldReleased",
        _ACC,
        "account.credit_hold_released",
        ACCOUNTS_TOPIC,
        "Credit hold released.",
    ),
    _spec(
        "PaymentTermsChanged",
        _ACC,
        "account.payment_terms_changed",
        ACCOUNTS_TOPIC,
        "Payment terms changed (applies to invoices issued afterwards).",
    ),
    _spec(
        "AccountClosed", _ACC, "account.closed", ACCOUNTS_TOPIC, "Account closed at zero balance."
    ),
    _spec(
        "BankAccountRecorded",
        _ACC,
        "account.bank_account_recorded",
        ACCOUNTS_TOPIC,
        "A bank account (IBAN, compact form) the customer pays from (v2: with its holder).",
        version=2,
    ),
    _spec(
        "CustomerDetailsChanged",
        _ACC,
        "account.details_changed",
        ACCOUNTS_TOPIC,
        "The customer's party details (number, legal name, address, VAT ID, Peppol id, buyer "
        "reference, language, contacts, tax treatment, billing policy): only the fields that "
        "changed, each with its new value (null: cleared). v2: the billing policy is an object "
        "{mode, period, send}.",
        version=2,
    ),
    _spec(
        "NoteAdded",
        _ACC,
        "account.note_added",
        ACCOUNTS_TOPIC,
        "A collector's note on the customer, with the day to follow up (`follow_up_on`, if any).",
    ),
    _spec(
        "CollectorAssigned",
        _ACC,
        "account.collector_assigned",
        ACCOUNTS_TOPIC,
        "The collector who chases the customer (null: nobody).",
    ),
    _spec(
        "OrderCommitted",
        _ACC,
        "account.order_committed",
        ACCOUNTS_TOPIC,
        "Approved order value added to the account's open-order exposure.",
    ),
    _spec(
        "OrderCommitmentReleased",
        _ACC,
        "account.order_commitment_released",
        ACCOUNTS_TOPIC,
        "Open-order exposure released (cancelled or invoiced).",
    ),
    _spec(
        "OrderHeldByAccountHold",
        _ACC,
        "account.order_held_by_account_hold",
        ACCOUNTS_TOPIC,
        "An order was held only because the account is on credit hold: releasing the hold "
        "re-runs its credit check.",
    ),
    _spec(
        "InvoiceBooked",
        _ACC,
        "account.invoice_booked",
        ACCOUNTS_TOPIC,
        "Invoice entered on the account's receivables sub-ledger.",
    ),
    _spec(
        "ReceivableReduced",
        _ACC,
        "account.receivable_reduced",
        ACCOUNTS_TOPIC,
        "Receivable reduced on the sub-ledger by a credit note or write-off.",
        version=2,
    ),
    _spec(
        "PaymentReceived",
        _ACC,
        "payment.received",
        PAYMENTS_TOPIC,
        "Cash received; all of it unapplied.",
        version=2,
    ),
    _spec(
        "PaymentAllocated",
        _ACC,
        "payment.allocated",
        PAYMENTS_TOPIC,
        "Cash allocated to an invoice (with any early-payment discount).",
        version=3,
    ),
    _spec(
        "PaymentDeallocated",
        _ACC,
        "payment.deallocated",
        PAYMENTS_TOPIC,
        "An allocation undone; the cash is unapplied again.",
        version=3,
    ),
    _spec(
        "PaymentReversed",
        _ACC,
        "payment.reversed",
        PAYMENTS_TOPIC,
        "Payment reversed (bounced, NSF); its cash leaves the account.",
        version=2,
    ),
    _spec(
        "PaymentRefunded",
        _ACC,
        "payment.refunded",
        PAYMENTS_TOPIC,
        "Unapplied cash of a payment paid back to the customer (never more than the payment's "
        "unapplied cash), with the refund's date and bank reference.",
    ),
    _spec(
        "OrderPlaced",
        _ORD,
        "order.placed",
        ORDERS_TOPIC,
        "Order placed (v2: lines with their kind and tax, purchase_order, total gross with "
        "net_total and tax_total).",
        version=2,
    ),
    _spec(
        "OrderApproved",
        _ORD,
        "order.approved",
        ORDERS_TOPIC,
        "Credit check passed or a held order was approved by a credit manager.",
    ),
    _spec(
        "OrderCreditHeld",
        _ORD,
        "order.credit_held",
        ORDERS_TOPIC,
        "Order placed on credit hold by the credit check.",
    ),
    _spec("OrderShipped", _ORD, "order.shipped", ORDERS_TOPIC, "Goods shipped."),
    _spec(
        "OrderCancelled", _ORD, "order.cancelled", ORDERS_TOPIC, "Unshipped quantities cancelled."
    ),
    _spec(
        "OrderInvoiced",
        _ORD,
        "order.invoiced",
        ORDERS_TOPIC,
        "Shipped, not yet invoiced quantities invoiced.",
    ),
    _spec(
        "ContractStarted",
        _CON,
        "contract.started",
        ORDERS_TOPIC,
        "A recurring contract entered: customer, currency, lines (with their tax), interval "
        "(month, quarter, year), first and optional last day, billing in_advance or in_arrears.",
    ),
    _spec(
        "ContractChanged",
        _CON,
        "contract.changed",
        ORDERS_TOPIC,
        "A contract's lines replaced from period from_period on (the first period starting "
        "after changed_on; 0 is the first period): no proration.",
    ),
    _spec(
        "ContractCancelled",
        _CON,
        "contract.cancelled",
        ORDERS_TOPIC,
        "A contract cancelled: periods from from_period on (the first starting after "
        "cancelled_on) are not invoiced; the period running then is invoiced whole.",
    ),
    _spec(
        "ContractPeriodsInvoiced",
        _CON,
        "contract.periods_invoiced",
        ORDERS_TOPIC,
        "Contract periods (index, start, end) invoiced on one invoice by a billing run: each "
        "period is invoiced exactly once.",
    ),
    _invoice(
        "InvoiceIssued",
        "issued",
        "Invoice issued (v3: with an imported opening invoice's legacy number, "
        "external_reference; v4: total gross, with lines carrying their tax, net_total, "
        "tax_total, tax_breakdown, purchase_order, and the seller and buyer as at issue).",
        version=4,
    ),
    _invoice(
        "PaymentApplied",
        "payment_applied",
        "Cash of a payment applied to the invoice (the payment's side is payment.allocated).",
    ),
    _invoice(
        "DiscountTaken",
        "discount_taken",
        "Early-payment discount taken (v3: split into net_total, tax_total, tax_breakdown).",
        version=3,
    ),
    _invoice(
        "CreditNoteApplied",
        "credit_note_applied",
        "Credit note reduced the open amount (v3: with its gap-free number and the early-payment "
        "discount the invoice offers after it; v4: amount gross, the lines it credits, "
        "net_total, tax_total, tax_breakdown).",
        version=4,
    ),
    _invoice("InvoiceDisputed", "disputed", "Invoice disputed."),
    _invoice("DisputeResolved", "dispute_resolved", "Dispute resolved."),
    _invoice("ReminderSent", "reminder_sent", "Dunning reminder sent at a level."),
    _invoice(
        "InvoiceWrittenOff",
        "written_off",
        "Open amount written off as bad debt (v3: split into net_total, tax_total, "
        "tax_breakdown, and tax_relief: whether the tax part is reclaimed).",
        version=3,
    ),
    _invoice(
        "InvoicePaymentReversed",
        "payment_reversed",
        "A bounced payment (and any discount it earned) taken back off the invoice.",
    ),
    _invoice(
        "InvoicePaymentDeallocated",
        "payment_deallocated",
        "An allocation undone: the payment's cash (and its discount) taken back off the invoice.",
        version=1,
    ),
    _invoice("InvoiceSettled", "settled", "Open amount reached zero."),
    _invoice(
        "PromiseMade",
        "promise_made",
        "The customer promised to pay `amount` by `promised_on`: dunning skips the invoice up to "
        "`deadline` (the date plus the grace days).",
        version=1,
    ),
    _invoice(
        "PromiseKept",
        "promise_kept",
        "Cash covering the promise (`paid` since it was made) arrived by its deadline.",
        version=1,
    ),
    _invoice(
        "PromiseBroken",
        "promise_broken",
        "The promise's deadline passed without the cash (recorded on `broken_on` by a dunning "
        "run, a promise check or a late payment); dunning resumes.",
        version=1,
    ),
    _invoice(
        "LateChargesInvoiced",
        "late_charges_invoiced",
        "Reminder fees (up to dunning level `fee_level`) and late-payment interest (up to "
        "`interest_through`) of this invoice charged on the interest invoice "
        "`charge_invoice_id`.",
        version=1,
    ),
    _spec(
        "BankStatementImported",
        _BANK,
        "bank.statement_imported",
        BANK_TOPIC,
        "A bank statement file read in: its account, period and every line (duplicates marked).",
    ),
    _spec(
        "BankLineApplied",
        _BANK,
        "bank.line_applied",
        BANK_TOPIC,
        "A statement line posted as a payment: which payment, by which rule, how sure, by whom.",
    ),
    _spec(
        "BankLineQueued",
        _BANK,
        "bank.line_queued",
        BANK_TOPIC,
        "A statement line left for a person, with the matcher's ranked suggestions.",
    ),
    _spec(
        "DeliveryQueued",
        _DLV,
        "delivery.queued",
        DELIVERIES_TOPIC,
        "A document queued for sending: which document (kind:id), the SHA-256 digest of the "
        "attachment, the channel (email, file, peppol), the recipient, subject and file name.",
    ),
    _spec(
        "DeliverySent",
        _DLV,
        "delivery.sent",
        DELIVERIES_TOPIC,
        "The document was handed over (SMTP server, outbox file or access point), with the "
        "Message-ID every attempt of this delivery carries.",
    ),
    _spec(
        "DeliveryFailed",
        _DLV,
        "delivery.failed",
        DELIVERIES_TOPIC,
        "An attempt failed, with its number and the error; `final` when no retry follows.",
    ),
    _spec(
        "DeliveryHeld",
        _DLV,
        "delivery.held",
        DELIVERIES_TOPIC,
        "Not sent: the address bounced before (a person corrects the contact).",
    ),
    _spec(
        "DeliveryBounced",
        _DLV,
        "delivery.bounced",
        DELIVERIES_TOPIC,
        "A sent e-mail came back (a delivery-status notification): its address is flagged and "
        "further letters to it are held.",
    ),
    _spec(
        "DocumentReady",
        _DLV,
        "document.ready",
        DELIVERIES_TOPIC,
        "A document for a Peppol access point: the recipient participant id and a URL to fetch "
        "the document (whose SHA-256 is `digest`) from.",
    ),
    _spec(
        "NumberingStarted",
        "InvoiceNumbering",
        "numbering.started",
        None,
        "Invoice number sequence created.",
        internal=True,
    ),
    _spec(
        "InvoiceNumberAssigned",
        "InvoiceNumbering",
        "numbering.assigned",
        None,
        "Next gap-free invoice number taken.",
        internal=True,
    ),
    _spec(
        "CreditNoteNumberingStarted",
        "CreditNoteNumbering",
        "numbering.credit_notes_started",
        None,
        "Credit-note number sequence created.",
        internal=True,
    ),
    _spec(
        "CreditNoteNumberAssigned",
        "CreditNoteNumbering",
        "numbering.credit_note_assigned",
        None,
        "Next gap-free credit-note number taken.",
        internal=True,
    ),
    _spec(
        "PaymentRegistered",
        "PaymentLink",
        "payment.registered",
        None,
        "Payment id linked to its customer account (and the invoices it paid on receipt).",
        internal=True,
        version=3,
    ),
    _spec(
        "PaymentInvoiceLinked",
        "PaymentLink",
        "payment.invoice_linked",
        None,
        "The payment was applied to an invoice it was not registered with (so a reversal can "
        "find it).",
        internal=True,
    ),
    _spec(
        "PaymentMarkedReversed",
        "PaymentLink",
        "payment.marked_reversed",
        None,
        "The payment was reversed: none of its cash may be applied again.",
        internal=True,
    ),
    _spec(
        "PeriodLockStarted",
        "PeriodLock",
        "period.lock_started",
        None,
        "Lock-date record created (with the first period close).",
        internal=True,
    ),
    _spec(
        "PeriodClosed",
        "PeriodLock",
        "period.closed",
        LEDGER_TOPIC,
        "Books closed through a date: nothing dated on or before it may be booked any more. "
        "Carries the trial balance as of that date, replayed from the event log, and the hash "
        "chain head the replay covered.",
    ),
    _spec(
        "CompanyProfileStarted",
        "Company",
        "company.profile_started",
        None,
        "The seller's profile record created (with its first details).",
        internal=True,
    ),
    _spec(
        "CompanyDetailsChanged",
        "Company",
        "company.details_changed",
        LEDGER_TOPIC,
        "The seller's details as documents name it (legal name, address, VAT ID, tax and legal "
        "registration, Peppol id, IBAN and BIC, contact, default language): only the fields that "
        "changed, each with its new value (null: cleared).",
    ),
    _spec(
        "CompanyLogoChanged",
        "Company",
        "company.logo_changed",
        None,
        "The seller's logo (PNG or SVG, base64) replaced or removed.",
        internal=True,
    ),
    _spec(
        "CustomerNumberClaimed",
        "CustomerNumber",
        "customer_number.claimed",
        None,
        "A customer number taken by a customer: no other customer can ever use it.",
        internal=True,
    ),
    _spec(
        "CommandAccepted",
        "CommandRecord",
        "command.accepted",
        None,
        "Idempotency record: a command's key, request digest and first response.",
        internal=True,
    ),
)

# The two facts that give an invoice back the cash (and discount) a payment had applied, each
# with the field holding its business date: same arithmetic, different meaning downstream.
GIVEN_BACK_ON: dict[str, str] = {
    "InvoicePaymentReversed": "reversed_on",
    "InvoicePaymentDeallocated": "deallocated_on",
}

BY_NAME: dict[str, EventSpec] = {spec.name: spec for spec in CATALOG}
BY_STORED_TOPIC: dict[str, EventSpec] = {spec.stored_topic: spec for spec in CATALOG}
BY_CLOUD_TYPE: dict[str, EventSpec] = {spec.cloud_type: spec for spec in CATALOG}


def topic(name: str) -> str:
    """Stored topic for the event ``name``; raises ``KeyError`` for a name not in the catalog."""
    return BY_NAME[name].stored_topic
