"""Record the table layout each projection generation was created with."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    """Create ``rm_layouts``."""
    op.create_table(
        "rm_layouts",
        sa.Column("projection", sa.String(64), primary_key=True),
        sa.Column("generation", sa.Integer, primary_key=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    """Drop ``rm_layouts``."""
    op.drop_table("rm_layouts")
