"""Control tables: checkpoints, Kafka offsets, active generations, parked customers."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    """Create the control tables."""
    op.create_table(
        "rm_checkpoints",
        sa.Column("projection", sa.String(64), primary_key=True),
        sa.Column("generation", sa.Integer, primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "rm_kafka_offsets",
        sa.Column("group_id", sa.String(128), primary_key=True),
        sa.Column("topic", sa.String(255), primary_key=True),
        sa.Column("partition", sa.Integer, primary_key=True),
        sa.Column("next_offset", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "rm_generations",
        sa.Column("projection", sa.String(64), primary_key=True),
        sa.Column("generation", sa.Integer, nullable=False),
    )
    op.create_table(
        "rm_parked_customers",
        sa.Column("group_id", sa.String(128), primary_key=True),
        sa.Column("customer_id", sa.String(64), primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("first_position", sa.BigInteger, nullable=False),
        sa.Column("parked_at", sa.String(40), nullable=False),
    )


def downgrade() -> None:
    """Drop the control tables."""
    for name in ("rm_parked_customers", "rm_generations", "rm_kafka_offsets", "rm_checkpoints"):
        op.drop_table(name)
