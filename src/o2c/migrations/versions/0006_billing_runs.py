"""Billing runs: each run's progress, and each customer's outcome."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    """Create ``bl_runs`` and ``bl_run_customers``."""
    op.create_table(
        "bl_runs",
        sa.Column("run_id", sa.String(36), primary_key=True),
        sa.Column("as_of", sa.String(10), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("customers", sa.Integer, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("started_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.Column("finished_at", sa.String(40)),
        sa.Column("starts", sa.Integer, nullable=False),
    )
    op.create_table(
        "bl_run_customers",
        sa.Column("run_id", sa.String(36), primary_key=True),
        sa.Column("customer_id", sa.String(36), primary_key=True),
        sa.Column("outcome", sa.String(24), nullable=False),
        sa.Column("invoice_id", sa.String(36)),
        sa.Column("number", sa.String(20)),
        sa.Column("total", sa.String(40)),
        sa.Column("problem", sa.String(64)),
        sa.Column("detail", sa.Text),
        sa.Column("recorded_at", sa.String(40), nullable=False),
    )
    op.create_index("bl_run_customers_outcome", "bl_run_customers", ["run_id", "outcome"])


def downgrade() -> None:
    """Drop the billing-run tables."""
    op.drop_index("bl_run_customers_outcome", table_name="bl_run_customers")
    op.drop_table("bl_run_customers")
    op.drop_table("bl_runs")
