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
PUBLIC_TOPICS = (INVOICES_TOPIC, PAYMENTS_TOPIC, ORDERS_TOPIC, ACCOUNTS_TOPIC)


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


_ACC, _ORD, _INV = "CustomerAccount", "Order", "Invoice"

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
    _spec("PaymentReceived", _ACC, "payment.received", PAYMENTS_TOPIC, "Cash received."),
    _spec(
        "PaymentAllocated",
        _ACC,
        "payment.allocated",
        PAYMENTS_TOPIC,
        "Cash allocated to an invoice (with any early-payment discount).",
        version=2,
    ),
    _spec(
        "PaymentDeallocated",
        _ACC,
        "payment.deallocated",
        PAYMENTS_TOPIC,
        "An allocation undone; the cash is unapplied again.",
        version=2,
    ),
    _spec(
        "PaymentReversed",
        _ACC,
        "payment.reversed",
        PAYMENTS_TOPIC,
        "Payment reversed (bounced, NSF); its cash leaves the account.",
    ),
    _spec("OrderPlaced", _ORD, "order.placed", ORDERS_TOPIC, "Order placed."),
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
    _spec("InvoiceIssued", _INV, "invoice.issued", INVOICES_TOPIC, "Invoice issued."),
    _spec(
        "PaymentApplied",
        _INV,
        "invoice.payment_applied",
        PAYMENTS_TOPIC,
        "Payment applied to the invoice.",
    ),
    _spec(
        "DiscountTaken",
        _INV,
        "invoice.discount_taken",
        INVOICES_TOPIC,
        "Early-payment discount taken.",
    ),
    _spec(
        "CreditNoteApplied",
        _INV,
        "invoice.credit_note_applied",
        INVOICES_TOPIC,
        "Credit note reduced the open amount.",
    ),
    _spec("InvoiceDisputed", _INV, "invoice.disputed", INVOICES_TOPIC, "Invoice disputed."),
    _spec("DisputeResolved", _INV, "invoice.dispute_resolved", INVOICES_TOPIC, "Dispute resolved."),
    _spec(
        "ReminderSent",
        _INV,
        "invoice.reminder_sent",
        INVOICES_TOPIC,
        "Dunning reminder sent at a level.",
    ),
    _spec(
        "InvoiceWrittenOff",
        _INV,
        "invoice.written_off",
        INVOICES_TOPIC,
        "Open amount written off as bad debt.",
    ),
    _spec(
        "InvoicePaymentReversed",
        _INV,
        "invoice.payment_reversed",
        PAYMENTS_TOPIC,
        "A payment (and any discount it earned) taken back off the invoice.",
    ),
    _spec("InvoiceSettled", _INV, "invoice.settled", INVOICES_TOPIC, "Open amount reached zero."),
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
        "PaymentRegistered",
        "PaymentLink",
        "payment.registered",
        None,
        "Payment id linked to its customer account.",
        internal=True,
        version=2,
    ),
    _spec(
        "PaymentInvoiceLinked",
        "PaymentLink",
        "payment.invoice_linked",
        None,
        "The payment was applied to an invoice for the first time (so a reversal can find it).",
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
        "CommandAccepted",
        "CommandRecord",
        "command.accepted",
        None,
        "Idempotency record: a command's key, request digest and first response.",
        internal=True,
    ),
)

BY_NAME: dict[str, EventSpec] = {spec.name: spec for spec in CATALOG}
BY_STORED_TOPIC: dict[str, EventSpec] = {spec.stored_topic: spec for spec in CATALOG}
BY_CLOUD_TYPE: dict[str, EventSpec] = {spec.cloud_type: spec for spec in CATALOG}


def topic(name: str) -> str:
    """Stored topic for the event ``name``; raises ``KeyError`` for a name not in the catalog."""
    return BY_NAME[name].stored_topic
