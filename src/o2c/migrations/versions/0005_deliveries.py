"""Deliveries: the work queue with its feed position, attachment bytes, bounced addresses."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    """Create ``dl_deliveries``, ``dl_documents``, ``dl_held_addresses`` and ``dl_feed``."""
    op.create_table(
        "dl_deliveries",
        sa.Column("delivery_id", sa.String(36), primary_key=True),
        sa.Column("customer_id", sa.String(36), nullable=False),
        sa.Column("document", sa.String(128), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("to_address", sa.String(320), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("message_id", sa.String(128)),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("queued_at", sa.String(40), nullable=False),
        sa.Column("not_before", sa.BigInteger, nullable=False),
        sa.Column("lease_owner", sa.String(128)),
        sa.Column("lease_expires", sa.BigInteger, nullable=False),
    )
    op.create_index("dl_deliveries_due", "dl_deliveries", ["status", "not_before"])
    op.create_index("dl_deliveries_customer", "dl_deliveries", ["customer_id", "delivery_id"])
    op.create_table(
        "dl_documents",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "dl_held_addresses",
        sa.Column("address", sa.String(320), primary_key=True),
        sa.Column("delivery_id", sa.String(36), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("flagged_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "dl_feed",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    """Drop the delivery tables."""
    op.drop_table("dl_feed")
    op.drop_table("dl_held_addresses")
    op.drop_table("dl_documents")
    op.drop_index("dl_deliveries_customer", table_name="dl_deliveries")
    op.drop_index("dl_deliveries_due", table_name="dl_deliveries")
    op.drop_table("dl_deliveries")
