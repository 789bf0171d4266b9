"""Alembic environment: runs on the connection handed over by ``ReadStore.migrate``."""

from __future__ import annotations

from alembic import context

import o2c.kafka.checkpoints  # noqa: F401  (its tables are part of CONTROL)
from o2c.projections.schema import CONTROL

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=CONTROL)
with context.begin_transaction():
    context.run_migrations()
