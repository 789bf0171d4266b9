"""What each consumer group last handled per partition, to recognise a log the broker replaced."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    """Create ``rm_kafka_marks``."""
    op.create_table(
        "rm_kafka_marks",
        sa.Column("group_id", sa.String(128), primary_key=True),
        sa.Column("topic", sa.String(255), primary_key=True),
        sa.Column("partition", sa.Integer, primary_key=True),
        sa.Column("offset", sa.BigInteger, nullable=False),
        sa.Column("fingerprint", sa.String(128), nullable=False),
        sa.Column("epoch", sa.String(64)),
        sa.Column("applied_position", sa.BigInteger, nullable=False),
        sa.Column("partitions", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    """Drop ``rm_kafka_marks``."""
    op.drop_table("rm_kafka_marks")
