"""Webhook subscriptions with their delivery positions, and the delivery log."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    """Create ``wh_subscriptions`` and ``wh_attempts``."""
    op.create_table(
        "wh_subscriptions",
        sa.Column("webhook_id", sa.String(36), primary_key=True),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("types", sa.Text, nullable=False),
        sa.Column("customer_id", sa.String(64)),
        sa.Column("secret", sa.String(100), nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("epoch", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("lease_owner", sa.String(128)),
        sa.Column("lease_expires", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "wh_attempts",
        # SQLite auto-increments only an INTEGER PRIMARY KEY.
        sa.Column(
            "attempt_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column("webhook_id", sa.String(36), nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("event_type", sa.String(128), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("error", sa.Text),
        sa.Column("duration_ms", sa.Float, nullable=False),
        sa.Column("attempted_at", sa.String(40), nullable=False),
    )
    op.create_index("wh_attempts_webhook", "wh_attempts", ["webhook_id", "attempt_id"])


def downgrade() -> None:
    """Drop the webhook tables."""
    op.drop_index("wh_attempts_webhook", table_name="wh_attempts")
    op.drop_table("wh_attempts")
    op.drop_table("wh_subscriptions")
