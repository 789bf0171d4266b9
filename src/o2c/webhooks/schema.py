"""The webhook tables in the read store (created by the Alembic migration ``0004``).

``wh_subscriptions`` holds one row per subscription with its durable delivery ``position``: every
event of the log up to it was either acknowledged by the endpoint (a 2xx) or does not match the
subscription. ``epoch`` counts replays, so a worker that was mid-delivery when a replay moved the
position cannot move it forward again. ``lease_owner``/``lease_expires`` make sure one worker at a
time delivers a subscription when several processes run the worker (API and ``o2c webhooks``).

``wh_attempts`` is the delivery log: one row per HTTP attempt, the newest ``keep_attempts`` per
subscription kept.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

WEBHOOKS = MetaData()

# SQLite only auto-increments an INTEGER PRIMARY KEY, PostgreSQL needs BIGINT for a long life.
AttemptId = BigInteger().with_variant(Integer(), "sqlite")

subscriptions = Table(
    "wh_subscriptions",
    WEBHOOKS,
    Column("webhook_id", String(36), primary_key=True),
    Column("url", Text, nullable=False),
    Column("types", Text, nullable=False),
    Column("customer_id", String(64)),
    Column("secret", String(100), nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("epoch", Integer, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("lease_owner", String(128)),
    Column("lease_expires", BigInteger, nullable=False),
)

attempts = Table(
    "wh_attempts",
    WEBHOOKS,
    Column("attempt_id", AttemptId, primary_key=True, autoincrement=True),
    Column("webhook_id", String(36), nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("event_type", String(128), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("ok", Boolean, nullable=False),
    Column("status_code", Integer),
    Column("error", Text),
    Column("duration_ms", Float, nullable=False),
    Column("attempted_at", String(40), nullable=False),
)
Index("wh_attempts_webhook", attempts.c.webhook_id, attempts.c.attempt_id)
