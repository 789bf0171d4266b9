"""Read-model tables.

Control tables (checkpoints, Kafka offsets, active generations, generation layouts, parked
customers) are created by Alembic. Projection tables come in generations:
``rm_<projection>_<generation>_<table>``. A rebuild fills a new generation while the old one
keeps serving queries, then switches ``rm_generations`` in one transaction and drops the old
tables — so the API never answers from a half-built model.

Projection tables are derived data, so their schema is migrated by replay rather than by ALTER:
each generation records a fingerprint of its DDL (``rm_layouts``); when the code's layout differs,
``ReadStore.migrate`` starts a fresh generation at position 0 and the runner replays into it.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

CONTROL = MetaData()

checkpoints = Table(
    "rm_checkpoints",
    CONTROL,
    Column("projection", String(64), primary_key=True),
    Column("generation", Integer, primary_key=True),
    Column("position", BigInteger, nullable=False),
)

generations = Table(
    "rm_generations",
    CONTROL,
    Column("projection", String(64), primary_key=True),
    Column("generation", Integer, nullable=False),
)

layouts = Table(
    "rm_layouts",
    CONTROL,
    Column("projection", String(64), primary_key=True),
    Column("generation", Integer, primary_key=True),
    Column("fingerprint", String(64), nullable=False),
)

parked_customers = Table(
    "rm_parked_customers",
    CONTROL,
    Column("group_id", String(128), primary_key=True),
    Column("customer_id", String(64), primary_key=True),
    Column("reason", Text, nullable=False),
    Column("first_position", BigInteger, nullable=False),
    Column("parked_at", String(40), nullable=False),
)

Money = BigInteger  # integer mills (o2c.domain.money)
Day = Integer  # date ordinal (o2c.domain.days)


def _applied(md: MetaData, prefix: str) -> Table:
    return Table(
        f"{prefix}applied",
        md,
        Column("aggregate_id", String(64), primary_key=True),
        Column("version", Integer, nullable=False),
    )


def accounts_tables(md: MetaData, prefix: str) -> dict[str, Table]:
    """Customers with the figures credit exposure needs."""
    customers = Table(
        f"{prefix}customers",
        md,
        Column("customer_id", String(64), primary_key=True),
        Column("name", String(200), nullable=False),
        Column("currency", String(3), nullable=False),
        Column("credit_limit", Money, nullable=False),
        Column("net_days", Integer, nullable=False),
        Column("discount_percent", String(20)),
        Column("discount_days", Integer),
        Column("on_hold", Boolean, nullable=False),
        Column("hold_reason", Text),
        Column("closed", Boolean, nullable=False),
        Column("ar_balance", Money, nullable=False),
        Column("open_orders", Money, nullable=False),
        Column("unapplied_cash", Money, nullable=False),
        Column("opened_at", String(40), nullable=False),
        Column("version", Integer, nullable=False),
        # The bank accounts the customer pays from: a JSON list of compact IBANs.
        Column("ibans", Text, nullable=False, default="[]"),
        # Their holders' names where given: a JSON object IBAN → name.
        Column("bank_holders", Text, nullable=False, default="{}"),
        # Party details as the last CustomerDetailsChanged left them (null: never given).
        Column("customer_number", String(50)),
        Column("legal_name", String(200)),
        Column("address", Text),  # JSON {lines, city, postal_code, country}
        Column("vat_id", String(40)),
        Column("peppol_id", String(120)),
        Column("buyer_reference", String(100)),
        Column("language", String(8)),
        Column("contacts", Text, nullable=False, default="[]"),  # JSON [{role, name, email}]
        # The contacts' e-mails, lower case, one per line: what a search matches.
        Column("contact_emails", Text, nullable=False, default=""),
        Column("tax_treatment", String(20)),
        Column("tax_treatment_source", String(10), nullable=False, default="derived"),
        Column("billing_policy", Text),  # JSON {mode, period, send}
    )
    Index(f"{prefix}customers_name", customers.c.name)
    # The currencies the book keeps are found by skipping through this index, one probe each.
    Index(f"{prefix}customers_currency", customers.c.currency)
    return {"customers": customers, "applied": _applied(md, prefix)}


def orders_tables(md: MetaData, prefix: str) -> dict[str, Table]:
    """Orders with per-line quantities as JSON."""
    orders = Table(
        f"{prefix}orders",
        md,
        Column("order_id", String(64), primary_key=True),
        Column("customer_id", String(64), nullable=False),
        Column("currency", String(3), nullable=False),
        Column("status", String(20), nullable=False),
        Column("total", Money, nullable=False),
        Column("ordered_day", Day, nullable=False),
        Column("hold_reason", Text),
        Column("lines", Text, nullable=False),
        Column("invoice_ids", Text, nullable=False),
        Column("credit_decisions", Text, nullable=False),
        Column("version", Integer, nullable=False),
    )
    Index(f"{prefix}orders_customer", orders.c.customer_id)
    # Held orders (or any status) in order-date order, over the whole book or one customer.
    Index(f"{prefix}orders_status", orders.c.status, orders.c.ordered_day, orders.c.order_id)
    return {"orders": orders, "applied": _applied(md, prefix)}


def receivables_tables(md: MetaData, prefix: str) -> dict[str, Table]:
    """Invoices (open items), their dated movements, and reminders sent."""
    invoices = Table(
        f"{prefix}invoices",
        md,
        Column("invoice_id", String(64), primary_key=True),
        Column("customer_id", String(64), nullable=False),
        Column("order_id", String(64)),
        Column("number", String(32), nullable=False),
        Column("currency", String(3), nullable=False),
        Column("total", Money, nullable=False),
        Column("open_amount", Money, nullable=False),
        Column("issued_day", Day, nullable=False),
        Column("due_day", Day, nullable=False),
        Column("status", String(20), nullable=False),
        Column("disputed", Boolean, nullable=False),
        Column("dunning_level", Integer, nullable=False),
        Column("last_reminder_day", Day),
        Column("discount_taken", Money, nullable=False),
        Column("paid", Money, nullable=False),
        Column("credited", Money, nullable=False),
        Column("written_off", Money, nullable=False),
        Column("version", Integer, nullable=False),
        # The early-payment discount offered and its last day (bank cash application).
        Column("discount_amount", Money, nullable=False, default=0),
        Column("discount_until_day", Day),
        # An imported opening invoice's number in the system it came from.
        Column("external_reference", String(200)),
    )
    Index(f"{prefix}invoices_number", invoices.c.number)
    Index(f"{prefix}invoices_external_reference", invoices.c.external_reference)
    Index(f"{prefix}invoices_customer_open", invoices.c.customer_id, invoices.c.open_amount)
    # Covering for the worklist and dunning candidates: open items ranked without table lookups.
    Index(
        f"{prefix}invoices_open_due",
        invoices.c.open_amount,
        invoices.c.due_day,
        invoices.c.customer_id,
        invoices.c.invoice_id,
    )
    movements = Table(
        f"{prefix}movements",
        md,
        Column("position", BigInteger, primary_key=True),
        Column("seq", Integer, primary_key=True),
        Column("invoice_id", String(64), nullable=False),
        Column("customer_id", String(64), nullable=False),
        Column("kind", String(20), nullable=False),
        Column("amount", Money, nullable=False),
        Column("business_day", Day, nullable=False),
        # The invoice's dates, copied so "aging as of D" is one scan without a join.
        Column("due_day", Day, nullable=False),
        Column("issued_day", Day, nullable=False),
        Column("recorded_at", String(40), nullable=False),
    )
    # Covering indexes: per-customer and per-invoice as-of sums read only the index.
    Index(
        f"{prefix}movements_customer_day",
        movements.c.customer_id,
        movements.c.business_day,
        movements.c.due_day,
        movements.c.issued_day,
        movements.c.amount,
    )
    Index(f"{prefix}movements_invoice", movements.c.invoice_id, movements.c.business_day)
    # The portfolio day-book: net movement per (currency, business day, due day, issue day).
    # Portfolio aging totals and KPIs as of any date sum a few thousand of these rows, not 250k
    # invoices.
    daybook = Table(
        f"{prefix}daybook",
        md,
        Column("key", String(48), primary_key=True),
        Column("currency", String(3), nullable=False),
        Column("business_day", Day, nullable=False),
        Column("due_day", Day, nullable=False),
        Column("issued_day", Day, nullable=False),
        Column("amount", Money, nullable=False),
        Column("invoiced", Money, nullable=False),
    )
    Index(f"{prefix}daybook_day", daybook.c.business_day)
    # An invoice's lines, apart: only the invoice's own page reads them.
    lines = Table(
        f"{prefix}invoice_lines",
        md,
        Column("invoice_id", String(64), primary_key=True),
        Column("lines", Text, nullable=False),
        # Its tax and parties as issued (JSON): totals, breakdown, purchase order, seller, buyer.
        Column("document", Text),
    )
    # Which invoice a credit note corrects: a credit note is found by its own id.
    credit_notes = Table(
        f"{prefix}credit_notes",
        md,
        Column("credit_note_id", String(64), primary_key=True),
        Column("invoice_id", String(64), nullable=False),
        Column("number", String(32)),
    )
    return {
        "invoices": invoices,
        "invoice_lines": lines,
        "credit_notes": credit_notes,
        "movements": movements,
        "daybook": daybook,
        "applied": _applied(md, prefix),
    }


def payments_tables(md: MetaData, prefix: str) -> dict[str, Table]:
    """Payments with their unapplied cash and allocations."""
    payments = Table(
        f"{prefix}payments",
        md,
        Column("payment_id", String(64), primary_key=True),
        Column("customer_id", String(64), nullable=False),
        Column("amount", Money, nullable=False),
        Column("unapplied", Money, nullable=False),
        Column("received_day", Day, nullable=False),
        Column("method", String(40), nullable=False),
        Column("reference", String(200), nullable=False),
        Column("reversed", Boolean, nullable=False),
        Column("allocations", Text, nullable=False),
    )
    Index(f"{prefix}payments_customer", payments.c.customer_id)
    return {"payments": payments, "applied": _applied(md, prefix)}


def statements_tables(md: MetaData, prefix: str) -> dict[str, Table]:
    """Every debit and credit on a customer's account, dated by business date."""
    entries = Table(
        f"{prefix}entries",
        md,
        Column("position", BigInteger, primary_key=True),
        Column("seq", Integer, primary_key=True),
        Column("customer_id", String(64), nullable=False),
        Column("kind", String(24), nullable=False),
        Column("reference", String(64), nullable=False),
        Column("document", String(64), nullable=False),
        Column("amount", Money, nullable=False),
        Column("business_day", Day, nullable=False),
        # The number of the invoice the line is about (none for cash received or bounced).
        Column("invoice_number", String(32)),
    )
    Index(f"{prefix}entries_customer_day", entries.c.customer_id, entries.c.business_day)
    numbers = Table(
        f"{prefix}invoice_numbers",
        md,
        Column("invoice_id", String(64), primary_key=True),
        Column("number", String(32), nullable=False),
    )
    return {"entries": entries, "invoice_numbers": numbers, "applied": _applied(md, prefix)}


def ledger_tables(md: MetaData, prefix: str) -> dict[str, Table]:
    """General-ledger journal lines, a day-book of balances, the tax movements of the VAT
    return, and what posting looks up."""
    lines = Table(
        f"{prefix}lines",
        md,
        Column("position", BigInteger, primary_key=True),
        Column("seq", Integer, primary_key=True),
        Column("event_id", String(64), nullable=False),
        Column("fact", String(24), nullable=False),
        Column("posting_day", Day, nullable=False),
        Column("currency", String(3), nullable=False),
        Column("role", String(16), nullable=False),
        Column("debit", Money, nullable=False),
        Column("credit", Money, nullable=False),
        Column("customer_id", String(64), nullable=False),
        Column("document_id", String(64), nullable=False),
        # The human number of that document (an invoice's or a credit note's), if it has one.
        Column("document_number", String(32)),
        # The tax group (category, two-decimal rate) of a line posted per group, else null.
        Column("tax_category", String(2)),
        Column("tax_rate", String(8)),
    )
    Index(f"{prefix}lines_day", lines.c.posting_day, lines.c.position, lines.c.seq)
    # What each taxed fact adds to the VAT return per (category, rate), signed: the tax report
    # sums these, and their tax equals the output-tax lines of the same entries.
    tax = Table(
        f"{prefix}tax_movements",
        md,
        Column("position", BigInteger, primary_key=True),
        Column("seq", Integer, primary_key=True),
        Column("fact", String(24), nullable=False),
        Column("posting_day", Day, nullable=False),
        Column("currency", String(3), nullable=False),
        Column("category", String(2), nullable=False),
        Column("rate", String(8), nullable=False),
        Column("taxable", Money, nullable=False),
        Column("tax", Money, nullable=False),
    )
    Index(f"{prefix}tax_movements_day", tax.c.currency, tax.c.posting_day)
    # Balance per (currency, role, posting day): a trial balance as of any date sums a few
    # thousand of these rows, however many lines the ledger holds.
    daybook = Table(
        f"{prefix}daybook",
        md,
        Column("key", String(40), primary_key=True),
        Column("currency", String(3), nullable=False),
        Column("role", String(16), nullable=False),
        Column("posting_day", Day, nullable=False),
        Column("debit", Money, nullable=False),
        Column("credit", Money, nullable=False),
    )
    Index(f"{prefix}daybook_day", daybook.c.currency, daybook.c.posting_day)
    currencies = Table(
        f"{prefix}account_currencies",
        md,
        Column("customer_id", String(64), primary_key=True),
        Column("currency", String(3), nullable=False),
    )
    invoice_dates = Table(
        f"{prefix}invoice_dates",
        md,
        Column("invoice_id", String(64), primary_key=True),
        Column("issued_day", Day, nullable=False),
        Column("number", String(32)),
    )
    # Per invoice:payment, the tax split of the discount the payment earned and still holds (a
    # JSON list of [category, rate, taxable, tax] in mills): what giving it back returns.
    discount_taxes = Table(
        f"{prefix}discount_taxes",
        md,
        Column("key", String(140), primary_key=True),
        Column("split", Text, nullable=False),
    )
    return {
        "lines": lines,
        "daybook": daybook,
        "tax_movements": tax,
        "discount_taxes": discount_taxes,
        "account_currencies": currencies,
        "invoice_dates": invoice_dates,
        "applied": _applied(md, prefix),
    }


def bank_tables(md: MetaData, prefix: str) -> dict[str, Table]:
    """Imported bank statements and each line with its cash-application status."""
    statements = Table(
        f"{prefix}statements",
        md,
        Column("statement_id", String(64), primary_key=True),
        Column("account_id", String(64), nullable=False),
        Column("bank_statement_id", String(200), nullable=False),
        Column("currency", String(3), nullable=False),
        Column("period_start_day", Day, nullable=False),
        Column("period_end_day", Day, nullable=False),
        Column("file_format", String(20), nullable=False),
        Column("lines", Integer, nullable=False),
        Column("imported_at", String(40), nullable=False),
    )
    lines = Table(
        f"{prefix}lines",
        md,
        Column("line_key", String(64), primary_key=True),
        Column("statement_id", String(64), nullable=False),
        Column("seq", Integer, nullable=False),
        Column("account_id", String(64), nullable=False),
        Column("line_id", String(200), nullable=False),
        Column("currency", String(3), nullable=False),
        Column("amount", Money, nullable=False),
        Column("booked_day", Day, nullable=False),
        Column("bank_reference", String(200)),
        Column("payer_name", String(200)),
        Column("payer_iban", String(64)),
        Column("remittance", Text, nullable=False),
        Column("status", String(20), nullable=False),
        Column("duplicate_of", String(400)),
        Column("payment_id", String(64)),
        Column("customer_id", String(64)),
        Column("rule", String(40)),
        Column("score", String(24)),
        Column("decided_by", Text),
        Column("reason", String(200)),
        Column("suggestions", Text, nullable=False),
    )
    Index(f"{prefix}lines_statement", lines.c.statement_id, lines.c.seq)
    Index(f"{prefix}lines_account_line", lines.c.account_id, lines.c.line_id)
    Index(f"{prefix}lines_status", lines.c.status, lines.c.statement_id, lines.c.seq)
    return {"statements": statements, "lines": lines, "applied": _applied(md, prefix)}


def billing_tables(md: MetaData, prefix: str) -> dict[str, Table]:
    """Billing: goods shipped and not invoiced (per order, oldest shipment first), customers'
    billing policies, and recurring contracts with their next period due."""
    uninvoiced = Table(
        f"{prefix}uninvoiced",
        md,
        Column("order_id", String(64), primary_key=True),
        Column("customer_id", String(64), nullable=False),
        Column("currency", String(3), nullable=False),
        # {sku: {description, unit_price}} as placed.
        Column("prices", Text, nullable=False),
        # [[shipped day, sku, quantity not yet invoiced], …] oldest first.
        Column("lots", Text, nullable=False),
        Column("oldest_day", Day),  # null: nothing shipped is left to invoice
        Column("value", Money, nullable=False),  # net value of what is left to invoice
    )
    Index(f"{prefix}uninvoiced_oldest", uninvoiced.c.oldest_day, uninvoiced.c.order_id)
    Index(f"{prefix}uninvoiced_customer", uninvoiced.c.customer_id, uninvoiced.c.oldest_day)
    policies = Table(
        f"{prefix}policies",
        md,
        Column("customer_id", String(64), primary_key=True),
        Column("mode", String(20), nullable=False),
        Column("period", String(10)),
    )
    Index(f"{prefix}policies_mode", policies.c.mode, policies.c.period)
    contracts = Table(
        f"{prefix}contracts",
        md,
        Column("contract_id", String(64), primary_key=True),
        Column("customer_id", String(64), nullable=False),
        Column("currency", String(3), nullable=False),
        Column("status", String(20), nullable=False),
        Column("interval", String(10), nullable=False),
        Column("billing", String(12), nullable=False),
        Column("start_day", Day, nullable=False),
        Column("end_day", Day),
        Column("next_index", Integer, nullable=False),
        Column("end_index", Integer),
        Column("next_due_day", Day),  # null: no period left to invoice
        # [[first period, lines], …]: the lines of each period.
        Column("versions", Text, nullable=False),
        Column("invoice_ids", Text, nullable=False),
        Column("version", Integer, nullable=False),
    )
    Index(f"{prefix}contracts_due", contracts.c.next_due_day, contracts.c.contract_id)
    Index(f"{prefix}contracts_customer", contracts.c.customer_id, contracts.c.contract_id)
    return {
        "uninvoiced": uninvoiced,
        "policies": policies,
        "contracts": contracts,
        "applied": _applied(md, prefix),
    }


def collections_tables(md: MetaData, prefix: str) -> dict[str, Table]:
    """What collections work from, each fact with its business date so a priority can be
    worked out as of any past day: promises to pay, reminder levels, payment behaviour
    (invoices settled by cash), notes with their follow-ups, and collectors."""
    invoices = Table(
        f"{prefix}invoices",
        md,
        Column("invoice_id", String(64), primary_key=True),
        Column("customer_id", String(64), nullable=False),
        Column("number", String(32), nullable=False),
        Column("currency", String(3), nullable=False),
        Column("total", Money, nullable=False),
        Column("due_day", Day, nullable=False),
        # The day cash settled it (null while open, or reopened by cash given back).
        Column("settled_day", Day),
    )
    Index(f"{prefix}invoices_settled", invoices.c.customer_id, invoices.c.settled_day)
    promises = Table(
        f"{prefix}promises",
        md,
        Column("promise_id", String(64), primary_key=True),
        Column("invoice_id", String(64), nullable=False),
        Column("customer_id", String(64), nullable=False),
        Column("promised_day", Day, nullable=False),
        Column("deadline_day", Day, nullable=False),
        Column("amount", Money, nullable=False),
        Column("made_day", Day, nullable=False),
        Column("note", Text, nullable=False),
        Column("made_by", String(200), nullable=False),
        Column("status", String(10), nullable=False),
        # The business day it was kept or recorded broken.
        Column("outcome_day", Day),
    )
    Index(f"{prefix}promises_customer", promises.c.customer_id, promises.c.status)
    Index(f"{prefix}promises_invoice", promises.c.invoice_id)
    reminders = Table(
        f"{prefix}reminders",
        md,
        Column("key", String(80), primary_key=True),
        Column("invoice_id", String(64), nullable=False),
        Column("level", Integer, nullable=False),
        Column("day", Day, nullable=False),
    )
    Index(f"{prefix}reminders_invoice", reminders.c.invoice_id, reminders.c.day)
    notes = Table(
        f"{prefix}notes",
        md,
        Column("note_id", String(64), primary_key=True),
        Column("customer_id", String(64), nullable=False),
        Column("text", Text, nullable=False),
        Column("follow_up_day", Day),
        Column("noted_day", Day, nullable=False),
        Column("author", String(200), nullable=False),
        Column("position", BigInteger, nullable=False),
    )
    Index(f"{prefix}notes_customer", notes.c.customer_id, notes.c.position)
    # Per customer, the latest note: its follow-up is the one that counts (a later note
    # without one means nothing is left to follow up).
    follow_ups = Table(
        f"{prefix}follow_ups",
        md,
        Column("customer_id", String(64), primary_key=True),
        Column("note_id", String(64), nullable=False),
        Column("follow_up_day", Day),
    )
    Index(f"{prefix}follow_ups_day", follow_ups.c.follow_up_day)
    collectors = Table(
        f"{prefix}collectors",
        md,
        Column("customer_id", String(64), primary_key=True),
        Column("collector", String(200)),
    )
    Index(f"{prefix}collectors_name", collectors.c.collector)
    return {
        "invoices": invoices,
        "promises": promises,
        "reminders": reminders,
        "notes": notes,
        "follow_ups": follow_ups,
        "collectors": collectors,
        "applied": _applied(md, prefix),
    }


TableFactory = Callable[[MetaData, str], dict[str, Table]]
