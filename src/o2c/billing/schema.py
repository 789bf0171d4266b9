"""The billing-run tables in the read store (created by the Alembic migration ``0006``).

A run's progress and outcomes are operational records, kept beside the read models: the facts
of a run are its invoices (and the orders and contract periods they cover) in the event log.
``bl_runs`` has one row per run (its date, how many customers it looks at, how many it went
through, when it started and finished); ``bl_run_customers`` one row per customer it went
through, with the outcome and the invoice issued, or the problem that stopped it.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text

BILLING = MetaData()

runs = Table(
    "bl_runs",
    BILLING,
    Column("run_id", String(36), primary_key=True),
    Column("as_of", String(10), nullable=False),
    Column("status", String(16), nullable=False),
    Column("customers", Integer, nullable=False),
    Column("actor", Text, nullable=False),
    Column("started_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("finished_at", String(40)),
    Column("starts", Integer, nullable=False),
)

run_customers = Table(
    "bl_run_customers",
    BILLING,
    Column("run_id", String(36), primary_key=True),
    Column("customer_id", String(36), primary_key=True),
    Column("outcome", String(24), nullable=False),
    Column("invoice_id", String(36)),
    Column("number", String(20)),
    Column("total", String(40)),
    Column("problem", String(64)),
    Column("detail", Text),
    Column("recorded_at", String(40), nullable=False),
)
Index("bl_run_customers_outcome", run_customers.c.run_id, run_customers.c.outcome)
